/**
 * The stack-pressure papers' protocols, run in kind with literature parameters (issue #24 point 5):
 *
 * (a) Doux et al. 2020 (Adv. Energy Mater. 10:1903253, doi 10.1002/aenm.201903253, Fig 4c): Li pressed
 *     onto Li6PS5Cl at 1 → 5 → 10 → 15 → 20 → 25 MPa, then released to 5 MPa; the symmetric cell's
 *     impedance at each step. The paper gives no hold per step (Methods: Li "pressed … at a controlled
 *     pressure"); `holdS` (default 20 min, the EIS interval of Ham et al. 2023's 25 MPa hold, Energy
 *     Storage Mater., doi 10.1016/j.ensm.2022.12.013, physics.md §2.4) is an assumption, stated in the output.
 * (b) Zhang, Wang, Harrison, Roberts & Harris 2020 (Cell Rep. Phys. Sci. 1:100012,
 *     doi 10.1016/j.xcrp.2020.100012; reviewed in S003 §2.5.2): contact area vs time during 5 h holds
 *     at 1.5, 4.5 and 7.5 MPa on Li of roughness Rq = 2 µm.
 *
 * Model, each pressure step on the current (permanently deformed) surface h:
 * 1. instantaneous elastic–plastic loading, hardness H = c·σy(L) with the size-dependent yield of
 *    src/fem/li-material.ts (Xu et al. 2017 micropillar law, 105 MPa at 0.5 µm, exponent 0.68; bulk
 *    floor 0.77 MPa) and L the contact's mean width 16·A_c/(π·P_pix) (4·area/perimeter with the
 *    pixel-edge perimeter P_pix corrected by π/4: a disc's diameter), found by fixed-point iteration
 *    (a spot's plastic zone scales with its width). The width, not the equivalent diameter of merged
 *    clusters (2√(A/π) per cluster): that one jumps to the cell size when the contact percolates and
 *    crushed the Li flat from 10 MPa on every seed tried. The plastic set is kept:
 *    h ← h + g on the contact pixels (g ≤ 0 is the overlap the cap let through), so the elastic solution
 *    on the new h carries the same contact. When c·σy(L) ≤ P the cap cannot carry the load anywhere and
 *    the Li is pressed flat (full contact, h ← 0): the "crushed" flag;
 * 2. a creep hold (Norton, ε̇ = A·σⁿ with Ding et al.'s n = 4.19, A = 4.75e-9 MPa⁻ⁿ s⁻¹, no threshold:
 *    Li creeps well below its 0.77 MPa yield) with the spot sink of creep.ts; the creep sink is kept
 *    (h ← h − w), so unloading is elastic on the flattened surface: the release step's hysteresis.
 * Both through simulateContact (unchanged), in press.ts. Electrolyte elastic (Li6PS5Cl E = 25 GPa, ν = 0.28).
 * Two scales (two-scale.ts): steps 1–2 on the coarse map, then on the sub-grid cell at the coarse
 * spots' pressure P/f_coarse(t) with its own (sub-µm) contact width and size-scaled creep; the true
 * contact is f_coarse·f_fine. Without the fine scale the coarse contact is complete from 10–15 MPa
 * (its width reaches tens of µm, σy falls to the bulk) and R stopped falling there.
 * Interface resistance: coarse constriction (interface.ts on the coarse map) + the fine map's
 * constriction / f_coarse + r_ct / f_true, r_ct the one calibration constant (per true contact area),
 * fixed every run so that R(25 MPa) = 40.5 Ω·cm² (32 Ω × 1.267 cm²).
 * Surface: one periodic self-affine spectrum (surface.ts), Rq 2 µm (Zhang) over 0.1–100 µm, Hurst 0.8;
 * 6.25–100 µm on the 100 µm coarse cell, 0.2–6.25 µm on the 6.25 µm fine cell (the Hurst exponent and
 * cut-offs are assumptions: Zhang's spectrum is not in the papers).
 * Cost (64² + 64²): both protocols ≈ 25 s CPU, one thread (contact solves O(N log N), conduction solves).
 */
import { liMaterialParams, type LiMaterial } from '../fem/li-material.js';
import { solveInterface, type InterfaceResistance } from './interface.js';
import { fractionAt, type PressStep } from './press.js';
import type { SelfAffineSpec } from './surface.js';
import { pressTwoScale, twoScaleSurfaces, type FineScaleOptions, type SurfaceBands } from './two-scale.js';

export { contactWidth, fractionAt, pressStep, type PressStep } from './press.js';

/** Doux et al. 2020 Fig 4c: symmetric-cell impedance (Ω) on 12.7 mm Li discs; 1 MPa is a lower bound (> 500 Ω). */
export const DOUX_2020 = {
  citation: 'Doux et al. 2020, Adv. Energy Mater. 10:1903253 (doi 10.1002/aenm.201903253), Fig 4c',
  areaCm2: Math.PI * 0.635 * 0.635,
  loading: [
    { pressure_mpa: 1, ohm: 500, lower_bound: true },
    { pressure_mpa: 5, ohm: 110, lower_bound: false },
    { pressure_mpa: 10, ohm: 50, lower_bound: false },
    { pressure_mpa: 15, ohm: 40, lower_bound: false },
    { pressure_mpa: 20, ohm: 35, lower_bound: false },
    { pressure_mpa: 25, ohm: 32, lower_bound: false },
  ],
  release: { pressure_mpa: 5, ohm: 50 },
} as const;

export const ZHANG_2020 = {
  citation: 'Zhang, Wang, Harrison, Roberts & Harris 2020, Cell Rep. Phys. Sci. 1:100012 (doi 10.1016/j.xcrp.2020.100012)',
  pressures_mpa: [1.5, 4.5, 7.5],
  hold_s: 5 * 3600,
  rq_um: 2,
} as const;

export interface PapersOptions {
  /** rms = Rq of the whole spectrum (fine.spectrumLminUm to lmaxUm); lminUm–lmaxUm is the coarse grid's band. */
  surface: SelfAffineSpec & { cellUm: number; n: number };
  /** The sub-grid band on its own cell (two-scale.ts). */
  fine: FineScaleOptions;
  li: LiMaterial;
  /** Hardness / flow stress (Tabor). */
  constraint: number;
  /** Hold per step of the Doux protocol (s): an assumption (see the header). */
  holdS: number;
  /** Zhang's hold (s). */
  zhangHoldS: number;
  /** Conduction: slab (µm) and ionic conductivity (mS/cm). */
  thicknessUm: number;
  sigmaMsPerCm: number;
  /** Creep step control (largest change of the contact fraction per step). */
  stepTol: number;
}

export const PAPERS_DEFAULTS: Readonly<PapersOptions> = {
  surface: { rms: ZHANG_2020.rq_um, hurst: 0.8, lminUm: 6.25, lmaxUm: 100, seed: 1, cellUm: 100, n: 64 },
  // issue #24 point 2's 0.1–100 µm spectrum; 64² on the 6.25 µm cell resolves down to 0.2 µm
  fine: { n: 64, lminUm: 0.2, spectrumLminUm: 0.1, seed: 101, sizeScaledCreep: true },
  li: liMaterialParams(),
  constraint: 3,
  holdS: 1200,
  zhangHoldS: ZHANG_2020.hold_s,
  // Doux et al. Methods: pellet conductivity 2–2.5 mS/cm; slab = the cell side (the constriction decays within it)
  thicknessUm: 100,
  sigmaMsPerCm: 2.25,
  stepTol: 0.05,
};

/** The coarse grid's height map (its band of the spectrum). */
export function papersSurface(o: PapersOptions): Float64Array {
  return twoScaleSurfaces(o.surface, o.fine).coarse;
}

export interface DouxRow {
  stage: 'loading' | 'release';
  /** The coarse and the fine (sub-grid) step; f_true = their product. */
  step: PressStep;
  fine: PressStep;
  spot_pressure_mpa: number;
  contact_fraction: number;
  /** Constriction of the fine spots within the coarse ones (per nominal area, Ω·cm²): in resistance.constriction_ohm_cm2 too. */
  fine_constriction_ohm_cm2: number;
  resistance: InterfaceResistance;
  paper_ohm_cm2: number;
  paper_lower_bound: boolean;
}

export interface DouxResult {
  rows: DouxRow[];
  rct_ohm_cm2: number;
  bands: SurfaceBands;
  ratios: { r1_over_r25: number; r5_over_r25: number; release5_over_load5: number };
  paper_ratios: { r1_over_r25: number; r5_over_r25: number; release5_over_load5: number };
}

/** (a) Doux et al.'s loading 1 → 25 MPa and release to 5 MPa at both scales; r_ct calibrated at 25 MPa. */
export async function runDoux(o: PapersOptions): Promise<DouxResult> {
  const { coarse: hc, fine: hf, bands } = twoScaleSurfaces(o.surface, o.fine);
  const d = o.surface.cellUm / o.surface.n, df = o.surface.lminUm / o.fine.n;
  const protocol = [
    ...DOUX_2020.loading.map((pt) => ({ stage: 'loading' as const, p: pt.pressure_mpa, paper: pt.ohm * DOUX_2020.areaCm2, lb: pt.lower_bound })),
    { stage: 'release' as const, p: DOUX_2020.release.pressure_mpa, paper: DOUX_2020.release.ohm * DOUX_2020.areaCm2, lb: false },
  ];
  const steps = protocol.map((s) => ({ ...s, two: pressTwoScale(hc, hf, s.p, o.holdS, o, o.fine) }));
  // constrictions with r_ct = 0 (coarse map on its cell; fine map on its own, through the coarse
  // contact fraction in parallel), then the one constant: R(25 MPa) = the paper's 40.5 Ω·cm²
  const cond = { thicknessUm: o.thicknessUm, sigmaMsPerCm: o.sigmaMsPerCm, rctOhmCm2: 0 };
  const condFine = { ...cond, thicknessUm: o.surface.lminUm };
  const bare: Array<{ coarse: number; fine: number; f: number }> = [];
  for (const s of steps) {
    const c = await solveInterface(s.two.coarse.contact, o.surface.n, o.surface.n, d, d, cond);
    const f = await solveInterface(s.two.fine.contact, o.fine.n, o.fine.n, df, df, condFine);
    bare.push({ coarse: c.constriction_ohm_cm2, fine: f.constriction_ohm_cm2 / c.contact_fraction, f: c.contact_fraction * f.contact_fraction });
  }
  const i25 = steps.findIndex((s) => s.stage === 'loading' && s.p === 25);
  const b25 = bare[i25];
  const rct = Math.max(0, (steps[i25].paper - b25.coarse - b25.fine) * b25.f);
  const rows: DouxRow[] = steps.map((s, k) => {
    const b = bare[k];
    const ct = rct / b.f;
    const constriction = b.coarse + b.fine;
    return {
      stage: s.stage, step: s.two.coarse, fine: s.two.fine, spot_pressure_mpa: s.two.spot_pressure_mpa, contact_fraction: b.f, fine_constriction_ohm_cm2: b.fine,
      paper_ohm_cm2: s.paper, paper_lower_bound: s.lb,
      resistance: { constriction_ohm_cm2: constriction, contact_fraction: b.f, rct_ohm_cm2: rct, charge_transfer_ohm_cm2: ct, interface_ohm_cm2: constriction + ct },
    };
  });
  const R = (stage: DouxRow['stage'], p: number) => rows.find((r) => r.stage === stage && r.step.pressure_mpa === p)!.resistance.interface_ohm_cm2;
  const P = (stage: DouxRow['stage'], p: number) => rows.find((r) => r.stage === stage && r.step.pressure_mpa === p)!.paper_ohm_cm2;
  return {
    rows, rct_ohm_cm2: rct, bands,
    ratios: { r1_over_r25: R('loading', 1) / R('loading', 25), r5_over_r25: R('loading', 5) / R('loading', 25), release5_over_load5: R('release', 5) / R('loading', 5) },
    paper_ratios: { r1_over_r25: P('loading', 1) / P('loading', 25), r5_over_r25: P('loading', 5) / P('loading', 25), release5_over_load5: P('release', 5) / P('loading', 5) },
  };
}

export interface ZhangSeries {
  pressure_mpa: number;
  step: PressStep;
  fine: PressStep;
  /** True contact fraction f_coarse·f_fine at t = 0, 0.5, 1, …, hold h (each linear between its solver's records). */
  half_hours: Array<{ t_h: number; contact_fraction: number; coarse: number; fine: number }>;
}

/** (b) Zhang et al.'s holds at both scales, each from the pristine surfaces. */
export function runZhang(o: PapersOptions): ZhangSeries[] {
  return ZHANG_2020.pressures_mpa.map((P) => {
    const { coarse: hc, fine: hf } = twoScaleSurfaces(o.surface, o.fine);
    const two = pressTwoScale(hc, hf, P, o.zhangHoldS, o, o.fine);
    const half_hours: ZhangSeries['half_hours'] = [];
    for (let k = 0; k * 1800 <= o.zhangHoldS + 1e-9; k++) {
      const coarse = fractionAt(two.coarse.records, k * 1800), fine = fractionAt(two.fine.records, k * 1800);
      half_hours.push({ t_h: k / 2, contact_fraction: coarse * fine, coarse, fine });
    }
    return { pressure_mpa: P, step: two.coarse, fine: two.fine, half_hours };
  });
}


