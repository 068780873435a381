/**
 * The 3D contact stage as one library call (used by `buried contact3d`): a height map (the scan's
 * electrolyte surface or a synthetic one) pressed by Li through a pressure history with the
 * boundary-element solver (simulate.ts), then the 3D current constriction through the electrolyte
 * under the final contact map (src/current, the same solver as `buried current`).
 * Cost: the contact history (see simulate.ts) plus one multigrid conduction solve on the map.
 */
import type { HistoryPoint } from '../fem/index.js';
import type { CurrentSummary } from '../current/index.js';
import type { Volume } from '../io/volume.js';
import { InputError } from '../io/errors.js';
import type { ElasticBody } from './kernel.js';
import type { CellLoading } from './cell.js';
import { simulateContact, type BemRecord, type LiBem, type SimulateResult } from './simulate.js';
import { surfaceStats } from './surface.js';
import { contactConduction, interfaceResistance, type InterfaceResistance } from './interface.js';

export interface HeightMap {
  /** Heights (µm) [ny, nx], x fastest. */
  h: Float64Array;
  ny: number;
  nx: number;
  dy: number;
  dx: number;
  source: string;
  /** Shortest wavelength put in (synthetic maps), for the resolution statement. */
  lminUm?: number;
}

/** A surface height map read from a volume (one slice [1, ny, nx], µm): checked and zero-mean. */
export function heightMapFromVolume(vol: Volume, name: string): HeightMap {
  const [nz, ny, nx] = vol.shape;
  if (nz !== 1) throw new InputError(`a height map is one slice [1, ny, nx], got ${vol.shape.join('×')}`, name);
  if (ny < 4 || nx < 4) throw new InputError(`height map too small (${ny}×${nx}; at least 4×4)`, name);
  if (!vol.spacing) throw new InputError('no pixel size in the height map (give --voxel UM)', name);
  const h = new Float64Array(ny * nx);
  let mean = 0;
  for (let i = 0; i < h.length; i++) {
    const v = Number(vol.data[i]);
    if (!Number.isFinite(v)) throw new InputError(`non-finite height at row ${Math.floor(i / nx)}, column ${i % nx} (fill holes before the contact solve)`, name);
    h[i] = v;
    mean += v;
  }
  mean /= h.length;
  for (let i = 0; i < h.length; i++) h[i] -= mean;
  return { h, ny, nx, dy: vol.spacing[1], dx: vol.spacing[2], source: `height map ${name}` };
}

export interface Contact3dOptions {
  map: HeightMap;
  li: LiBem;
  electrolyte: ElasticBody | null;
  history: HistoryPoint[];
  stepTol?: number;
  tol?: number;
  /** The cell's loading (default constant pressure) and the Li foil thickness (µm) of a gap or spring cell. */
  cell?: CellLoading;
  foilUm?: number;
  /** Li plated onto the foil after the fixture locks (µm/s; simulate.ts growthUmPerS). */
  growthUmPerS?: number;
  /**
   * Conduction: slab thickness (µm), conductivity (mS/cm), grid (long side, pixels; null = the map's).
   * The solve has equipotential contacts; rctOhmCm2 (Ω·cm² of true contact) is added in series as
   * r_ct/f in `interface_ohm_cm2` (interface.ts).
   */
  conduction: { thicknessUm: number; sigmaMsPerCm: number; rctOhmCm2: number; grid: number | null } | null;
  onRecord?: (rec: BemRecord) => void;
}

export interface Contact3dRun {
  sim: SimulateResult;
  contact: Uint8Array;
  current: CurrentSummary | null;
  /** Constriction + r_ct/f (interface.ts); null without conduction or contact. */
  interface: InterfaceResistance | null;
  summary: Record<string, unknown>;
}

const r6 = (v: number) => +v.toPrecision(6);

export async function runContact3d(o: Contact3dOptions): Promise<Contact3dRun> {
  const { map } = o;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sim = simulateContact({ h: map.h, ny: map.ny, nx: map.nx, dy: map.dy, dx: map.dx, li: o.li, electrolyte: o.electrolyte, history: o.history, stepTol: o.stepTol, tol: o.tol, cell: o.cell, foilUm: o.foilUm, growthUmPerS: o.growthUmPerS, onRecord: o.onRecord });
  const cpu1 = process.cpuUsage(cpu0);
  const contactWall = (performance.now() - t0) / 1000;
  const contact = new Uint8Array(map.ny * map.nx);
  for (let i = 0; i < contact.length; i++) contact[i] = sim.p[i] > 0 ? 1 : 0;
  let current: CurrentSummary | null = null;
  if (o.conduction) current = await contactConduction(contact, map.ny, map.nx, map.dy, map.dx, o.conduction);
  let nc = 0;
  for (let i = 0; i < contact.length; i++) nc += contact[i];
  const f = nc / contact.length;
  // full contact carries uniform current: no constriction (the solver's round-off there is not physics)
  const iface = current && f > 0 && o.conduction ? interfaceResistance(f === 1 ? 0 : current.constriction_ohm_cm2, f, o.conduction.rctOhmCm2) : null;
  const last = sim.records[sim.records.length - 1];
  const stats = surfaceStats(map.h, map.ny, map.nx, map.dy, map.dx);
  const summary = {
    surface: {
      source: map.source,
      ny: map.ny, nx: map.nx, dy_um: map.dy, dx_um: map.dx,
      size_um: [r6(map.ny * map.dy), r6(map.nx * map.dx)],
      rms_um: r6(stats.rms_um), rms_slope: r6(stats.rms_slope), range_um: r6(stats.range_um),
      shortest_wavelength_um: map.lminUm ?? null,
      pixels_per_shortest_wavelength: map.lminUm ? r6(map.lminUm / Math.max(map.dx, map.dy)) : null,
      boundary: 'periodic: the map is repeated on all sides (a scan map that does not match across its edges gets a step there)',
    },
    model: {
      solver: 'FFT boundary elements, periodic half-space (Stanley & Kato 1997), constrained conjugate gradient (Polonsky & Keer 1999)',
      li: o.li,
      electrolyte: o.electrolyte ?? 'rigid',
      e_star_mpa: r6(sim.eStar),
      hardness_mpa: sim.hardness,
      creep_model: o.li.law === 'creep' ? 'spot sink v = a·A·⟨p/c − σ0⟩ⁿ (Bower, Fleck, Needleman & Ogbonna 1993), backward Euler' : null,
      cell: o.cell ?? { kind: 'pressure' },
      foil_um: o.cell && o.cell.kind !== 'pressure' ? o.foilUm ?? 100 : null,
      foil_growth_um_per_h: o.growthUmPerS ? r6(o.growthUmPerS * 3600) : 0,
    },
    history_input: o.history,
    contact_fraction: r6(last.contact_fraction),
    mean_contact_pressure_mpa: r6(last.mean_contact_pressure),
    max_contact_pressure_mpa: r6(last.max_contact_pressure),
    mean_gap_um: r6(last.mean_gap_um),
    spots: last.spots,
    max_sink_um: r6(last.max_sink_um),
    history: sim.records.map((r) => ({ ...r, contact_fraction: r6(r.contact_fraction), mean_contact_pressure: r6(r.mean_contact_pressure), max_contact_pressure: r6(r.max_contact_pressure), mean_gap_um: r6(r.mean_gap_um), max_sink_um: r6(r.max_sink_um) })),
    solver_stats: { ...sim.stats, cpu_s: r6((cpu1.user + cpu1.system) / 1e6), wall_s: r6(contactWall) },
    conduction: current
      ? {
          thickness_um: current.thickness_um,
          sigma_mS_cm: current.sigma_mS_cm,
          rct_ohm_cm2: current.rct_ohm_cm2,
          grid: current.grid,
          resistance_ohm_cm2: current.resistance_ohm_cm2,
          bulk_ohm_cm2: current.bulk_ohm_cm2,
          constriction_ohm_cm2: current.constriction_ohm_cm2,
          hotspot_p99: current.hotspots.p99,
        }
      : null,
    interface: iface
      ? {
          interface_ohm_cm2: r6(iface.interface_ohm_cm2),
          constriction_ohm_cm2: r6(iface.constriction_ohm_cm2),
          charge_transfer_ohm_cm2: r6(iface.charge_transfer_ohm_cm2),
          rct_ohm_cm2: iface.rct_ohm_cm2,
          definition: 'constriction (equipotential contacts) + r_ct / contact fraction, in series (interface.ts)',
        }
      : null,
  };
  return { sim, contact, current, interface: iface, summary };
}

/** history.csv: one row per record. */
export function historyCsv(records: BemRecord[]): string {
  const head = 't_s,pressure_mpa,contact_fraction,mean_contact_pressure_mpa,max_contact_pressure_mpa,mean_gap_um,spots,max_sink_um,iterations';
  return [head, ...records.map((r) => [r.t, r.pressure, r6(r.contact_fraction), r6(r.mean_contact_pressure), r6(r.max_contact_pressure), r6(r.mean_gap_um), r.spots, r6(r.max_sink_um), r.iterations].join(','))].join('\n') + '\n';
}
