/**
 * Interface resistance of a Li | electrolyte contact map (issue #24 point 4):
 *
 *   R_int = R_constriction + r_ct / f_true     (Ω·cm² of nominal area)
 *
 * - R_constriction: the 3D ohmic constriction through the electrolyte under the contact map with
 *   equipotential contacts (src/current: total − bulk L/σ); 0 exactly at full contact, where the
 *   current is uniform (the solver's round-off there, ≈ −0.002 Ω·cm², is not reported as physics);
 * - r_ct / f_true: the interfacial (charge-transfer / interphase film) resistance r_ct, given per area of
 *   true contact, acting only over the contact fraction f_true.
 * The two act in series. This is the upper bound of the coupled problem (a Robin condition r_ct on the
 * contacts spreads the current and lowers the constriction); the two agree when r_ct/f ≫ R_constriction,
 * which holds here (r_ct ≈ 40 Ω·cm² against constrictions below 2 Ω·cm²).
 *
 * r_ct default: no measured Li|Li6PS5Cl charge-transfer resistance per true contact area is in the
 * papers (physics.md §2.3 gives only cell impedances), so r_ct is the model's one calibration
 * constant: fixed so that the S000 protocol (papers.ts) gives R_int(25 MPa) = 40.5 Ω·cm², the
 * symmetric cell's 32 Ω on 12.7 mm Li discs (Doux et al. 2020, Adv. Energy Mater. 10:1903253,
 * doi 10.1002/aenm.201903253, Fig 4c), as Zhang et al. 2020
 * calibrated their model at 41 MPa. This default is per *resolved* contact area (a single-scale map,
 * in full contact at 25 MPa: 40.5 Ω·cm²). The two-scale papers model (two-scale.ts) calibrates r_ct per
 * *true* contact instead, 5.89 Ω·cm² with the fine contact 14.6 % at 25 MPa: 5.89/0.146 = 40.4 Ω·cm² per
 * resolved area, the same number (papers.ts recomputes it every run and reports it).
 */
import { solveCurrentStage } from '../current/run.js';
import type { CurrentSummary } from '../current/index.js';
import { makeVolume } from '../io/volume.js';

/** The calibrated interfacial resistance per true contact area (Ω·cm²): see the header. */
export const RCT_CALIBRATED_OHM_CM2 = 40.5;

export interface InterfaceResistance {
  /** R_int = constriction + charge transfer (Ω·cm²). */
  interface_ohm_cm2: number;
  constriction_ohm_cm2: number;
  charge_transfer_ohm_cm2: number;
  rct_ohm_cm2: number;
  contact_fraction: number;
}

/** The series sum for a known constriction (Ω·cm²), contact fraction and r_ct (Ω·cm² of true contact). */
export function interfaceResistance(constrictionOhmCm2: number, contactFraction: number, rctOhmCm2: number): InterfaceResistance {
  if (!(contactFraction > 0 && contactFraction <= 1)) throw new Error(`contact fraction must lie in (0, 1], got ${contactFraction}`);
  if (!(rctOhmCm2 >= 0)) throw new Error(`r_ct must be ≥ 0 Ω·cm², got ${rctOhmCm2}`);
  const ct = rctOhmCm2 / contactFraction;
  return { interface_ohm_cm2: constrictionOhmCm2 + ct, constriction_ohm_cm2: constrictionOhmCm2, charge_transfer_ohm_cm2: ct, rct_ohm_cm2: rctOhmCm2, contact_fraction: contactFraction };
}

export interface InterfaceConduction {
  /** Electrolyte slab under the map (µm) and its conductivity (mS/cm). */
  thicknessUm: number;
  sigmaMsPerCm: number;
  rctOhmCm2: number;
  /** Long side of the conduction grid (pixels); null = the map's own. */
  grid?: number | null;
}

/** The 3D conduction under a contact map (1 = contact, [ny, nx], x fastest) with equipotential contacts (r_ct goes in series, not into the solve). */
export async function contactConduction(contact: Uint8Array, ny: number, nx: number, dy: number, dx: number, o: Omit<InterfaceConduction, 'rctOhmCm2'>): Promise<CurrentSummary> {
  const vol = makeVolume(contact, [1, ny, nx], [dx, dy, dx]);
  return (await solveCurrentStage(vol, { thicknessUm: o.thicknessUm, sigmaMsPerCm: o.sigmaMsPerCm, rctOhmCm2: 0, grid: o.grid ?? null, name: 'contact map' })).summary;
}

/** Constriction of a contact map by the 3D conduction solver, then the series sum. */
export async function solveInterface(contact: Uint8Array, ny: number, nx: number, dy: number, dx: number, o: InterfaceConduction): Promise<InterfaceResistance> {
  let nc = 0;
  for (let i = 0; i < contact.length; i++) if (contact[i] > 0) nc++;
  const f = nc / contact.length;
  if (nc === contact.length) return interfaceResistance(0, 1, o.rctOhmCm2);
  return interfaceResistance((await contactConduction(contact, ny, nx, dy, dx, o)).constriction_ohm_cm2, f, o.rctOhmCm2);
}
