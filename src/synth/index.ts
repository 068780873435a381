/**
 * Realistic Li / solid-electrolyte tomography phantoms with exact ground truth.
 *
 * generatePhantom({ preset }) returns a scan (uint16 by default), its labels (0 void, 1 Li,
 * 2 electrolyte, 3 collector / plunger, 4 cathode active material, 5 outside the cell, 255 outside
 * the reconstruction field of view), the exact per-column Li thickness, filament penetration and
 * surface maps of each electrode and a JSON-serialisable truth record. Geometry: geometry.ts
 * (one-ended layouts), layouts.ts (symmetric, full cell), cathode.ts, placement.ts (surroundings,
 * tilt, die); image physics: imaging.ts; field of view and scan type: fov.ts; stack-normal axis:
 * orient.ts; preset numbers and their reasons: presets.ts.
 */
import { InputError } from '../io/errors.js';
import { makeVolume, type Shape3, type Volume } from '../io/volume.js';
import { addCathode, cathodeTruth, type CathodeTruth } from './cathode.js';
import { applyFov, checkFill, convertScan, fovOutside, type ScanArray, type ScanDtype } from './fov.js';
import { addFilaments, addPores, buildLayers, LABEL, meanOf, rasterLayers, type FilamentTruth } from './geometry.js';
import { applyImaging, type RingTruth } from './imaging.js';
import { buildTwoEnded, type ElectrodeGeom, type ElectrodeName, type LayoutGeometry } from './layouts.js';
import { canonicalShape, outputShape, toOutput, type NormalAxis } from './orient.js';
import { applyDie, DIE_BORE_FRACTION, dieColumns, offsets, place, planPlacement, PLUNGER_UM } from './placement.js';
import { fullGrey, layoutOf, PRESETS, withCopperCollector, type GreyLevels, type ImagePhysics, type Layout, type PresetDefaults, type PresetName, type Surroundings } from './presets.js';

export { PRESETS } from './presets.js';
export type { GreyLevels, ImagePhysics, Layout, PresetDefaults, PresetName, Surroundings } from './presets.js';
export type { NormalAxis } from './orient.js';
export type { ScanArray, ScanDtype } from './fov.js';
export type { CathodeTruth } from './cathode.js';
export { LABEL } from './geometry.js';

export const SYNTH_VERSION = 1;

export interface SynthOptions {
  preset: PresetName;
  seed?: number;
  shape?: Shape3;
  voxelUm?: number;
  /** image-physics strengths, each 0 disables; defaults per preset (see PRESETS and ImagePhysics) */
  noise?: number;
  blurSigmaVoxels?: number;
  phaseContrast?: number;
  rings?: number;
  cupping?: number;
  drift?: number;
  /** Stack normal in the output volume (default 'z'); `shape` is the output shape. See orient.ts. */
  axis?: NormalAxis;
  /** Tilt of the whole stack (0–15°) towards the azimuth (degrees from +x towards +y of the canonical slice). */
  tiltDeg?: number;
  tiltAzimuthDeg?: number;
  /** Bowed stack: the corners this many µm deeper along the normal than the centre (negative: shallower). */
  bowUm?: number;
  /** Wavy stack: displacement amplitude and period (µm) of a wave along x. */
  wave?: { amplitudeUm: number; periodUm: number };
  /** Circular reconstruction field of view (default per preset: 'none', labct 'circle'). */
  fov?: 'none' | 'circle';
  /** Scan value outside the disc, in the output type's units (default 0); 'nan' makes the scan float32. */
  fovFill?: number | 'nan';
  /** Disc radius as a fraction of the smaller lateral extent (default 0.5, the inscribed disc). */
  fovRadiusFraction?: number;
  /** Beyond the stack ends (default per preset: 'none', labct 'plunger'). See placement.ts. */
  surroundings?: Surroundings;
  /** Output scan type (default uint16; uint8 = round(v·255/65535); float32 = the uint16 numbers). */
  dtype?: ScanDtype;
  /** Full cell: an Al current collector foil this thick (µm) beyond the composite cathode (label 3; default 0, none). */
  cathodeFoilUm?: number;
  /** Anode-free presets: the current collector's material (default carbon, the preset's Grafoil; copper: a 12 µm Cu foil, metal-bright). */
  collectorMaterial?: 'carbon' | 'copper';
  onProgress?: (done: number, total: number) => void;
  /** Seed of the acquisition (drift along z and noise; default `seed`): a scan series renews it per scan. */
  scanSeed?: number;
  /**
   * Changes the scene before the image physics (canonical z-normal frame): series.ts strips Li and
   * moves the cell here. Truth maps and geometry stats stay those of the unchanged cell.
   */
  sceneHook?: (scene: Scene) => void;
}

/** The partial-volume attenuation image and labels before the image physics, in the canonical frame. */
export interface Scene {
  labels: Uint8Array;
  img: Float32Array;
  shape: Shape3;
  voxelUm: number;
  grey: GreyLevels;
}

export interface ThicknessStats {
  mean_um: number;
  std_um: number;
  min_um: number;
  max_um: number;
  p01_um: number;
  p05_um: number;
  p50_um: number;
  p95_um: number;
  p99_um: number;
  zero_fraction: number;
  mean_capacity_mah_cm2: number;
}

export interface PenetrationStats {
  max_um: number;
  /** Mean over columns with penetration > 0 (0 when none). */
  mean_um: number;
  area_fraction: number;
  filament_count: number;
  filaments: FilamentTruth[];
}

export interface PhaseFractions {
  void: number;
  li: number;
  electrolyte: number;
  collector: number;
  cathode: number;
  outside: number;
  masked: number;
}

export interface ElectrodeTruth {
  name: ElectrodeName;
  thickness: ThicknessStats;
  penetration: PenetrationStats;
  surface_mean_um: number;
}

export interface PhantomTruth {
  version: number;
  preset: PresetName;
  seed: number;
  /** Output [nz, ny, nx]. */
  shape: Shape3;
  voxel_um: number;
  label_codes: { void: 0; li: 1; electrolyte: 2; collector: 3; cathode: 4; outside: 5; masked: 255 };
  layout: Layout;
  /** Stack normal in the output volume; canonical_shape is the z-normal frame it was generated in. */
  normal_axis: NormalAxis;
  canonical_shape: Shape3;
  /** Output axes of the per-column maps [1, a, b] (the output shape without the normal axis). */
  map_axes: [string, string];
  tilt_deg: number;
  tilt_azimuth_deg: number;
  /** Bowed stack (µm, corners vs centre along the normal), when asked for. */
  bow_um?: number;
  /** Wavy stack along x, when asked for. */
  wave?: { amplitude_um: number; period_um: number };
  fov: { kind: 'none' | 'circle'; radius_fraction: number; radius_px: number; fill: number | 'nan' };
  surroundings: Surroundings;
  dtype: ScanDtype;
  /** What the thickness maps measure. */
  thickness_definition: string;
  collector: 'carbon' | 'steel' | 'copper';
  /** Volume fractions of each label in the whole volume. */
  phase_fractions: PhaseFractions;
  /** Fractions over the cell only (labels 5 and 255 excluded). */
  phase_fractions_in_cell: { void: number; li: number; electrolyte: number; collector: number; cathode: number };
  /** First electrode (compatibility); all electrodes in `electrodes`. */
  thickness: ThicknessStats;
  penetration: PenetrationStats;
  electrodes: ElectrodeTruth[];
  /**
   * Pore voxels / voxels with centre in the electrolyte region: beyond the first electrode's
   * surface and before the next layer (far electrode, composite), labels 5 and 255 excluded.
   */
  electrolyte_porosity: number;
  /** full cell: composite composition. */
  cathode?: CathodeTruth;
  /** Nominal grey level of each pure phase before blur, artefacts and noise. */
  grey_levels: GreyLevels;
  /** Measured mean scan value per label (after all image physics; 255 excluded). */
  scan_means: { void: number | null; li: number | null; electrolyte: number | null; collector: number | null; cathode: number | null; outside: number | null };
  image_physics: ImagePhysics & { rings_detail: RingTruth[]; noise_reference_grey: number };
  geometry: {
    /** All z thicknesses scaled by this because the stack did not fit the requested depth. */
    z_scale: number;
    surface_mean_um: number;
    [key: string]: number;
  };
}

/** Truth maps of one electrode: [1, a, b], the output shape without the normal axis. */
export interface ElectrodeMaps {
  name: ElectrodeName;
  /** µm: exact per-column Li thickness of the layer along the normal axis (interfacial voids excluded). */
  thickness: Volume<Float32Array>;
  /** µm: depth of filament Li beyond the electrolyte surface per column (into the electrolyte), 0 if none. */
  penetration: Volume<Float32Array>;
  /** µm: position of the electrolyte-facing surface along the normal axis, from the volume start. */
  surface: Volume<Float32Array>;
}

export interface Phantom<S extends ScanArray = ScanArray> {
  scan: Volume<S>;
  labels: Volume<Uint8Array>;
  /** The first electrode's maps (electrode at the start of the normal axis), see ElectrodeMaps. */
  thickness: Volume<Float32Array>;
  penetration: Volume<Float32Array>;
  surface: Volume<Float32Array>;
  /** Every electrode, the one at the start of the normal axis first. */
  electrodes: ElectrodeMaps[];
  truth: PhantomTruth;
  /** Wall-clock generation time (not part of the deterministic truth). */
  elapsedMs: number;
}

function stats(values: Float32Array): ThicknessStats {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  const q = (p: number) => {
    const pos = p * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  };
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    sum += s[i];
    if (s[i] <= 0) zeros++;
  }
  const mean = sum / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (s[i] - mean) ** 2;
  return {
    mean_um: mean,
    std_um: Math.sqrt(v / n),
    min_um: s[0],
    max_um: s[n - 1],
    p01_um: q(0.01),
    p05_um: q(0.05),
    p50_um: q(0.5),
    p95_um: q(0.95),
    p99_um: q(0.99),
    zero_fraction: zeros / n,
    mean_capacity_mah_cm2: mean / 4.85,
  };
}

function checkNonNegative(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new InputError(`${name} must be a finite number ≥ 0 (got ${v})`);
}

function penetrationStats(pen: Float32Array, filaments: FilamentTruth[]): PenetrationStats {
  let max = 0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < pen.length; i++) {
    const d = pen[i];
    if (d > 0) {
      count++;
      sum += d;
      if (d > max) max = d;
    }
  }
  return { max_um: max, mean_um: count ? sum / count : 0, area_fraction: count / pen.length, filament_count: filaments.length, filaments };
}

function oneOf<T extends string>(name: string, v: T | undefined, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v)) throw new InputError(`${name} must be one of ${allowed.join(', ')} (got '${String(v)}')`);
  return v;
}

interface Resolved {
  axis: NormalAxis;
  tiltDeg: number;
  azimuthDeg: number;
  bowUm: number;
  waveUm: number;
  wavePeriodUm: number;
  fov: 'none' | 'circle';
  fill: number;
  radiusFraction: number;
  surroundings: Surroundings;
  dtype: ScanDtype;
}

/** Validate and default the geometry / output options. */
function resolveOptions(options: SynthOptions, p: PresetDefaults): Resolved {
  const axis = oneOf<NormalAxis>('axis', options.axis, ['z', 'y', 'x'], 'z');
  const tiltDeg = options.tiltDeg ?? 0;
  if (!Number.isFinite(tiltDeg) || tiltDeg < 0 || tiltDeg > 15) throw new InputError(`tilt must be 0–15 degrees (got ${tiltDeg})`);
  const azimuthDeg = options.tiltAzimuthDeg ?? 0;
  if (!Number.isFinite(azimuthDeg)) throw new InputError(`tilt azimuth must be a finite number of degrees (got ${azimuthDeg})`);
  const bowUm = options.bowUm ?? 0;
  if (!Number.isFinite(bowUm)) throw new InputError(`bow must be a finite number of µm (got ${bowUm})`);
  const waveUm = options.wave?.amplitudeUm ?? 0;
  const wavePeriodUm = options.wave?.periodUm ?? 0;
  if (options.wave && !(Number.isFinite(waveUm) && waveUm >= 0 && Number.isFinite(wavePeriodUm) && wavePeriodUm > 0)) throw new InputError(`wave must be AMPLITUDE ≥ 0 and PERIOD > 0 µm (got ${waveUm}, ${wavePeriodUm})`);
  const fov = oneOf<'none' | 'circle'>('fov', options.fov, ['none', 'circle'], p.defaults?.fov ?? 'none');
  const radiusFraction = options.fovRadiusFraction ?? 0.5;
  if (!Number.isFinite(radiusFraction) || radiusFraction <= 0 || radiusFraction > 1) throw new InputError(`fov radius fraction must be in (0, 1] (got ${radiusFraction})`);
  const nanFill = options.fovFill === 'nan';
  const fill = nanFill ? NaN : (options.fovFill ?? 0);
  if (typeof fill !== 'number') throw new InputError(`fov fill must be a number or 'nan'`);
  const dtype = oneOf<ScanDtype>('dtype', options.dtype, ['uint16', 'uint8', 'float32'], nanFill ? 'float32' : 'uint16');
  checkFill(fill, dtype);
  const surroundings = oneOf<Surroundings>('surroundings', options.surroundings, ['none', 'air', 'plunger', 'die'], p.defaults?.surroundings ?? 'none');
  return { axis, tiltDeg, azimuthDeg, bowUm, waveUm, wavePeriodUm, fov, fill, radiusFraction, surroundings, dtype };
}

const AXES: Record<NormalAxis, [string, string]> = { z: ['y', 'x'], y: ['z', 'x'], x: ['z', 'y'] };

/** Generate a phantom. Deterministic in (options without onProgress). */
export function generatePhantom(options: SynthOptions & { dtype?: 'uint16'; fovFill?: number }): Phantom<Uint16Array>;
export function generatePhantom(options: SynthOptions): Phantom;
export function generatePhantom(options: SynthOptions): Phantom {
  const t0 = performance.now();
  const preset = options.preset;
  const base: PresetDefaults | undefined = PRESETS[preset];
  if (!base) throw new InputError(`unknown preset '${String(preset)}' (expected ${Object.keys(PRESETS).join(', ')})`);
  const copper = options.collectorMaterial === 'copper';
  if (copper && layoutOf(preset, base) !== 'anode-free') throw new InputError(`a copper collector needs an anode-free preset (plated, depleted), not ${preset}`);
  const p = copper ? withCopperCollector(base) : base;
  const seed = (options.seed ?? 1) >>> 0;
  const outShape: Shape3 = options.shape ? [...options.shape] : [...p.shape];
  if (outShape.length !== 3 || outShape.some((d) => !Number.isInteger(d) || d < 4)) {
    throw new InputError(`shape must be three integers ≥ 4 (got ${outShape.join(',')})`);
  }
  const voxelUm = options.voxelUm ?? p.voxelUm;
  if (!Number.isFinite(voxelUm) || voxelUm <= 0) throw new InputError(`voxel size must be > 0 µm (got ${voxelUm})`);
  const phys: ImagePhysics = {
    noise: options.noise ?? p.noise,
    blurSigmaVoxels: options.blurSigmaVoxels ?? p.blurSigmaVoxels,
    phaseContrast: options.phaseContrast ?? p.phaseContrast,
    rings: options.rings ?? p.rings,
    cupping: options.cupping ?? p.cupping,
    drift: options.drift ?? p.drift,
  };
  for (const [k, v] of Object.entries(phys)) checkNonNegative(k, v);
  if (phys.cupping >= 1) throw new InputError(`cupping must be < 1 (got ${phys.cupping})`);
  const o = resolveOptions(options, p);
  const layout = layoutOf(preset, p);
  const twoEnded = layout === 'symmetric' || layout === 'full-cell';
  const grey = fullGrey(p.grey);
  const foilUm = options.cathodeFoilUm ?? 0;
  if (!(Number.isFinite(foilUm) && foilUm >= 0)) throw new InputError(`cathode foil must be a thickness ≥ 0 µm (got ${foilUm})`);
  if (foilUm > 0 && layout !== 'full-cell') throw new InputError(`a cathode foil needs a full cell (preset fullcell), not the ${preset} preset`);

  const total = 9;
  let done = 0;
  const tick = () => options.onProgress?.(++done, total);

  // Everything below runs in the canonical frame (stack normal = z); orient.ts permutes at the end.
  const shape = canonicalShape(outShape, o.axis);
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const nvox = nz * plane;
  const labels = new Uint8Array(nvox);
  const img = new Float32Array(nvox);
  const v = voxelUm;

  // 1. Geometry (built in a shallower frame when surroundings / tilt need room), placed, rasterised.
  const warp = { tiltDeg: o.tiltDeg, azimuthDeg: o.azimuthDeg, bowUm: o.bowUm, waveUm: o.waveUm, wavePeriodUm: o.wavePeriodUm };
  const plan = planPlacement(shape, v, o.surroundings, twoEnded, warp);
  const buildShape: Shape3 = [plan.nzBuild, ny, nx];
  let lg: LayoutGeometry;
  if (twoEnded) {
    lg = buildTwoEnded(preset, p, layout, buildShape, v, seed, foilUm);
  } else {
    const g = buildLayers(preset, p, buildShape, v, seed);
    lg = { layout, geom: g, electrodes: [{ name: 'anode', surface: g.surface, liThickness: g.liThickness, mirror: false }] };
  }
  const geom = lg.geom;
  const moved = twoEnded || o.surroundings !== 'none' || plan.spanUm > 0;
  if (moved) {
    place(lg, offsets(ny, nx, v, plan, warp), plan, o.surroundings, grey, nz * v);
    geom.info.surface_mean_um = meanOf(geom.surface);
  }
  if (o.surroundings !== 'none') {
    geom.info.air_um = plan.airUm;
    if (o.surroundings !== 'air') geom.info.plunger_um = PLUNGER_UM;
  }
  if (plan.spanUm > 0) geom.info.tilt_span_um = plan.spanUm;
  tick();
  rasterLayers(geom, shape, v, grey, labels, img);
  tick();
  const pores = addPores(geom, p, shape, v, seed, labels, img);
  tick();
  // Filaments per electrode (the original layouts keep their original call: byte-identical output).
  const penetrations: Float32Array[] = [];
  const filamentLists: FilamentTruth[][] = [];
  for (const e of lg.electrodes) {
    const pen = new Float32Array(plane);
    const src = twoEnded ? { mirror: e.mirror, surface: e.surface, liThickness: e.liThickness, stream: e.name === 'far' ? 'filaments-far' : 'filaments', room: e.room } : undefined;
    filamentLists.push(addFilaments(geom, p, shape, v, seed, pores, labels, img, pen, src));
    penetrations.push(pen);
  }
  let particles = 0;
  if (lg.composite && p.composite) particles = addCathode(lg.composite, p.composite, shape, v, seed, grey.cathode, labels, img).particles;
  const die = o.surroundings === 'die' ? dieColumns(ny, nx) : null;
  if (die) {
    applyDie(die, nz, labels, img, grey.die);
    geom.info.die_bore_radius_px = DIE_BORE_FRACTION * Math.min(ny, nx);
  }
  tick();
  options.sceneHook?.({ labels, img, shape, voxelUm: v, grey });

  // Image physics (steps 2–7), then the output type and the field of view.
  const { scan: scan16, record } = applyImaging(img, shape, phys, p.grey.li, seed, tick, (options.scanSeed ?? seed) >>> 0);
  const scan = convertScan(scan16, o.dtype);
  const fovOut = o.fov === 'circle' ? fovOutside(ny, nx, o.radiusFraction) : null;
  if (fovOut) applyFov(fovOut, nz, labels, scan, o.fill);

  // Truth (canonical frame).
  const counts = new Float64Array(256);
  const sums = new Float64Array(256);
  for (let i = 0; i < nvox; i++) {
    const l = labels[i];
    counts[l]++;
    if (l !== LABEL.masked) sums[l] += scan[i];
  }
  // Electrolyte region for porosity: beyond the first surface, before the next layer.
  const regionEnd = layout === 'symmetric' ? lg.electrodes[1].surface : lg.composite?.start;
  let regionVoxels = 0;
  let regionPores = 0;
  for (let k = 0; k < nz; k++) {
    const zc = (k + 0.5) * v;
    const base = k * plane;
    for (let col = 0; col < plane; col++) {
      if (zc >= geom.surface[col] && (!regionEnd || zc < regionEnd[col])) {
        const l = labels[base + col];
        if (l === LABEL.outside || l === LABEL.masked) continue;
        regionVoxels++;
        if (l === LABEL.void) regionPores++;
      }
    }
  }
  const spacing: [number, number, number] = [v, v, v];
  const map = (data: Float32Array) => makeVolume(data, [1, ny, nx], spacing);
  const electrodeMaps: ElectrodeMaps[] = [];
  const electrodeTruth: ElectrodeTruth[] = [];
  lg.electrodes.forEach((e: ElectrodeGeom, idx) => {
    const thickness = Float32Array.from(e.liThickness);
    const surface = Float32Array.from(e.surface);
    const pen = penetrations[idx];
    const inBore: number[] = [];
    for (let c = 0; c < plane; c++) {
      if (die && die[c]) {
        // No cell in this column (die wall): no Li, no surface.
        thickness[c] = 0;
        pen[c] = 0;
        surface[c] = NaN;
      } else inBore.push(c);
    }
    const sel = (a: Float32Array) => (die ? Float32Array.from(inBore, (c) => a[c]) : a);
    electrodeMaps.push({ name: e.name, thickness: map(thickness), penetration: map(pen), surface: map(surface) });
    electrodeTruth.push({
      name: e.name,
      thickness: stats(sel(thickness)),
      penetration: penetrationStats(sel(pen), filamentLists[idx]),
      surface_mean_um: meanOf(sel(surface)),
    });
  });
  const frac = (l: number) => counts[l] / nvox;
  const cellVoxels = nvox - counts[LABEL.outside] - counts[LABEL.masked];
  const inCell = (l: number) => (cellVoxels ? counts[l] / cellVoxels : 0);
  const mean = (l: number) => (counts[l] ? sums[l] / counts[l] : null);
  const first = electrodeTruth[0];
  const truth: PhantomTruth = {
    version: SYNTH_VERSION,
    preset,
    seed,
    shape: outShape,
    voxel_um: v,
    label_codes: { void: 0, li: 1, electrolyte: 2, collector: 3, cathode: 4, outside: 5, masked: 255 },
    layout,
    normal_axis: o.axis,
    canonical_shape: shape,
    map_axes: AXES[o.axis],
    tilt_deg: o.tiltDeg,
    tilt_azimuth_deg: o.azimuthDeg,
    ...(o.bowUm ? { bow_um: o.bowUm } : {}),
    ...(o.waveUm ? { wave: { amplitude_um: o.waveUm, period_um: o.wavePeriodUm } } : {}),
    fov: { kind: o.fov, radius_fraction: o.radiusFraction, radius_px: o.radiusFraction * Math.min(ny, nx), fill: Number.isNaN(o.fill) ? 'nan' : o.fill },
    surroundings: o.surroundings,
    dtype: o.dtype,
    thickness_definition:
      'per-column Li thickness along the normal axis (voxel-column direction), not perpendicular to a tilted layer; maps cover every column, including those outside the field of view (labels 255 there)',
    collector: p.collectorKind,
    phase_fractions: { void: frac(0), li: frac(1), electrolyte: frac(2), collector: frac(3), cathode: frac(4), outside: frac(5), masked: frac(255) },
    phase_fractions_in_cell: { void: inCell(0), li: inCell(1), electrolyte: inCell(2), collector: inCell(3), cathode: inCell(4) },
    thickness: first.thickness,
    penetration: first.penetration,
    electrodes: electrodeTruth,
    electrolyte_porosity: regionVoxels ? regionPores / regionVoxels : 0,
    grey_levels: twoEnded || moved ? { ...grey } : { ...p.grey },
    scan_means: { void: mean(0), li: mean(1), electrolyte: mean(2), collector: mean(3), cathode: mean(4), outside: mean(5) },
    image_physics: { ...phys, rings_detail: record.rings, noise_reference_grey: p.grey.li },
    geometry: { z_scale: geom.zScale, surface_mean_um: geom.info.surface_mean_um, ...geom.info },
  };
  if (lg.composite && p.composite) truth.cathode = cathodeTruth(lg.composite, p.composite, particles, shape, v, labels);

  const phantom: Phantom = {
    scan: makeVolume(toOutput(scan, shape, o.axis), outputShape(shape, o.axis), spacing),
    labels: makeVolume(toOutput(labels, shape, o.axis), outputShape(shape, o.axis), spacing),
    thickness: electrodeMaps[0].thickness,
    penetration: electrodeMaps[0].penetration,
    surface: electrodeMaps[0].surface,
    electrodes: electrodeMaps,
    truth,
    elapsedMs: 0,
  };
  phantom.elapsedMs = Math.round(performance.now() - t0);
  return phantom;
}
