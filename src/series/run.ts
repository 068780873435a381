/**
 * `registerSeries`: register every later scan of a cell to the first (register.ts), resample each
 * scan (trilinear) and its labels (nearest) into the first scan's frame, and write
 * DIR/scan<k>/scan.tif, DIR/scan<k>/labels.tif, DIR/scan0/labels.tif (scan 0's own: the viewer's
 * frame 0) and DIR/series.json. Scans are read one at a time
 * (the first stays in memory). Labels come from files or from the phase segmentation.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { InputError, namingFile } from '../io/errors.js';
import { loadVolume, type OpenOptions } from '../io/open.js';
import { writeTiff } from '../io/tiff/index.js';
import { phaseLabelDisplay } from '../io/label-lut.js';
import { makeVolume, type Spacing3, type Volume } from '../io/volume.js';
import { segment } from '../segment/index.js';
import { fieldOfViewMask, stablePhaseMask } from './mask.js';
import { registerRigid, type RegisterOptions, type RegisterResult } from './register.js';
import { resampleLinear, resampleNearest } from './resample.js';
import { affineRows, decomposeAffine, indexMap, toEulerZYX, type Vec3 } from './transform.js';
import { seriesChange, UM_PER_MAH_CM2, type SeriesChange } from './change.js';

export const SERIES_CONVENTION =
  'transforms[k] maps scan 0 to scan k: a point p (µm) of scan 0 lies at R (p − c) + c + t in scan k, c = centre_um (voxel centres at index × voxel); ' +
  'R = Rz·Ry·Rx of rotation_deg [about z, about y, about x], right-handed about the x (columns), y (rows), z (slices) axes; vectors in volume order [z, y, x]; ' +
  'scan<k>/scan.tif is scan k sampled at R (p − c) + c + t for each voxel p of scan 0';

export const AFFINE_CONVENTION =
  'affine (method.kind affine): the matrix A = R · diag(scale) · (I + shear) takes R\'s place, matrix_xyz is A, affine.matrix_um the 3×4 rows [x; y; z] of q = A p + (c − A c + t) on (x, y, z, 1) in µm, scale along scan 0\'s [z, y, x] axes';

export interface SeriesOptions {
  /** Labels of each scan (same order), or none to segment each scan (phases, Otsu). */
  labels?: string[];
  /** Charge passed at each scan (mAh/cm²), recorded in series.json. */
  charge?: number[];
  open?: OpenOptions;
  register?: Pick<RegisterOptions, 'levels' | 'maxSamples' | 'smoothSigma' | 'search' | 'transform'>;
  onProgress?: (message: string) => void;
}

export interface SeriesTransformRecord {
  index: number;
  input: string;
  charge_mah_cm2: number | null;
  labels_source: 'file' | 'segmented';
  translation_um: Vec3;
  translation_voxels: Vec3;
  rotation_deg: Vec3;
  /** R (affine: A) acting on (x, y, z), row-major. */
  matrix_xyz: number[];
  /**
   * Affine registration only (method.kind 'affine'): the map as 3×4 rows [x; y; z] acting on
   * (x, y, z, 1) in µm (q = M p + m, absolute positions), and A = R · diag(scale) · (I + shear)
   * with scale along scan 0's axes [z, y, x] and shear [k_xy, k_xz, k_yz] (x gains k_xy·y, …);
   * rotation_deg is R's. Rigid records have no such key.
   */
  affine?: { matrix_um: number[][]; scale: Vec3; shear: Vec3 };
  /** Final normalised cross-correlation over the registration samples (1 = identical up to gain and offset). */
  ncc: number;
  /** Fraction of scan 0's volume that scan k covers after the motion. */
  overlap: number;
  search: RegisterResult['search'];
  levels: RegisterResult['levels'];
  cpu_s: number;
  files: { scan: string; labels: string } | null;
}

export interface SeriesRecord {
  version: 1;
  scans: string[];
  /** The scans' absolute paths when registered, so a viewer started elsewhere still finds scan 0. */
  scans_absolute: string[];
  spacing_um: Spacing3;
  centre_um: Vec3;
  convention: string;
  method: { kind: 'rigid' | 'affine'; metric: string; optimiser: string; mask: string; library: string };
  transforms: SeriesTransformRecord[];
  /**
   * What changed (change.ts), from the labels in scan 0's frame: per electrode and scan the Li
   * thickness, capacity, active area, penetration, voids and their events, the change from the first
   * and the previous scan, the image Coulombic efficiency; null when it could not be measured
   * (`change_note` says why). The per-column maps are scan<k>/thickness_change_um<suffix>.tif (from
   * scan 0) and thickness_change_previous_um<suffix>.tif (from scan k − 1); capacity_change_mah_cm2<suffix>.tif
   * is the change from scan 0 in mAh/cm².
   */
  change: Omit<SeriesChange, 'maps'> | null;
  change_note: string | null;
}

async function labelsFor(k: number, scan: Volume, options: SeriesOptions): Promise<{ labels: Uint8Array; source: 'file' | 'segmented' }> {
  const file = options.labels?.[k];
  if (file) {
    const v = await namingFile(file, loadVolume(file, { voxel: options.open?.voxel }));
    if (!(v.data instanceof Uint8Array)) throw new InputError(`labels must be uint8, got ${v.dtype}`, file);
    if (v.shape.some((n, a) => n !== scan.shape[a])) throw new InputError(`labels shape ${v.shape.join('×')} does not match its scan's ${scan.shape.join('×')}`, file);
    return { labels: v.data, source: 'file' };
  }
  options.onProgress?.(`segmenting scan ${k}`);
  const r = await segment(scan, { mode: 'phases', method: 'otsu' });
  return { labels: r.labels, source: 'segmented' };
}

export async function registerSeries(inputs: string[], outDir: string, options: SeriesOptions = {}): Promise<SeriesRecord> {
  if (inputs.length < 2) throw new InputError(`a series needs at least two scans, got ${inputs.length}`);
  if (options.labels && options.labels.length !== inputs.length) throw new InputError(`--labels lists ${options.labels.length} files for ${inputs.length} scans`);
  if (options.charge && options.charge.length !== inputs.length) throw new InputError(`--charge lists ${options.charge.length} values for ${inputs.length} scans`);
  const first = await namingFile(inputs[0], loadVolume(inputs[0], options.open));
  const spacing = first.spacing;
  if (!spacing) throw new InputError('no voxel size in the file: pass --voxel UM (translations are reported in µm)', inputs[0]);
  const l0 = await labelsFor(0, first, options);
  // scan 0's labels beside the registered ones (the viewer's frame 0; segmented ones exist nowhere else)
  await mkdir(path.join(outDir, 'scan0'), { recursive: true });
  await writeTiff(path.join(outDir, 'scan0', 'labels.tif'), makeVolume(l0.labels, first.shape, spacing), { display: phaseLabelDisplay() });
  const mask = stablePhaseMask(l0.labels, first.shape);
  const fixedFov = fieldOfViewMask(l0.labels, first.shape);
  const transforms: SeriesTransformRecord[] = [];
  const affine = options.register?.transform === 'affine';
  // every scan's labels in scan 0's frame, for the change maps (one byte per voxel each)
  const framed: Volume[] = [makeVolume(l0.labels, first.shape, spacing)];
  const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  let centre: Vec3 = [((first.shape[0] - 1) / 2) * spacing[0], ((first.shape[1] - 1) / 2) * spacing[1], ((first.shape[2] - 1) / 2) * spacing[2]];
  transforms.push({
    index: 0, input: inputs[0], charge_mah_cm2: options.charge?.[0] ?? null, labels_source: l0.source,
    translation_um: [0, 0, 0], translation_voxels: [0, 0, 0], rotation_deg: [0, 0, 0], matrix_xyz: identity,
    ncc: 1, overlap: 1, search: null, levels: [], cpu_s: 0, files: null,
    ...(affine ? { affine: { matrix_um: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], scale: [1, 1, 1] as Vec3, shear: [0, 0, 0] as Vec3 } } : {}),
  });
  for (let k = 1; k < inputs.length; k++) {
    const scan = await namingFile(inputs[k], loadVolume(inputs[k], options.open));
    const s = scan.spacing ?? spacing;
    if (s.some((d, a) => Math.abs(d - spacing[a]) > 1e-6 * spacing[a])) throw new InputError(`voxel size ${s.join(',')} µm differs from the first scan's ${spacing.join(',')} µm`, inputs[k]);
    const lk = await labelsFor(k, scan, options);
    options.onProgress?.(`registering scan ${k} to scan 0`);
    const c0 = process.cpuUsage();
    const r = registerRigid(first, scan, { ...options.register, mask, fixedFov, movingFov: fieldOfViewMask(lk.labels, scan.shape) });
    const cpu = process.cpuUsage(c0);
    const T = r.transform;
    centre = [T.c[2], T.c[1], T.c[0]];
    options.onProgress?.(`resampling scan ${k}`);
    const map = indexMap(T, spacing, spacing);
    const fill = scan.dtype === 'float32' || scan.dtype === 'float64' ? NaN : 0;
    const moved = makeVolume(resampleLinear(scan.data, scan.shape, first.shape, map, fill, scan.dtype), first.shape, spacing);
    const movedLabels = makeVolume(resampleNearest(lk.labels, scan.shape, first.shape, map, 255), first.shape, spacing);
    framed.push(movedLabels);
    const dir = path.join(outDir, `scan${k}`);
    await mkdir(dir, { recursive: true });
    const files = { scan: path.join(dir, 'scan.tif'), labels: path.join(dir, 'labels.tif') };
    await writeTiff(files.scan, moved);
    await writeTiff(files.labels, movedLabels, { display: phaseLabelDisplay() });
    const t: Vec3 = [T.t[2], T.t[1], T.t[0]];
    const parts = affine ? decomposeAffine(T.R) : null;
    transforms.push({
      index: k,
      input: inputs[k],
      charge_mah_cm2: options.charge?.[k] ?? null,
      labels_source: lk.source,
      translation_um: t,
      translation_voxels: t.map((x, a) => x / spacing[a]) as Vec3,
      rotation_deg: toEulerZYX(parts ? parts.R : T.R),
      matrix_xyz: [...T.R],
      ...(parts ? { affine: { matrix_um: affineRows(T), scale: [parts.scaleXYZ[2], parts.scaleXYZ[1], parts.scaleXYZ[0]] as Vec3, shear: parts.shear } } : {}),
      ncc: r.ncc,
      overlap: r.overlap,
      search: r.search,
      levels: r.levels,
      cpu_s: (cpu.user + cpu.system) / 1e6,
      files,
    });
  }
  options.onProgress?.('change maps');
  let change: SeriesChange | null = null;
  let changeNote: string | null = null;
  try {
    change = seriesChange(framed, { chargeMahCm2: options.charge ?? null, spacing });
  } catch (e) {
    // a series without a measurable Li layer (no electrolyte surface, …) is still registered
    if (!(e instanceof InputError)) throw e;
    changeNote = `no change maps: ${e.message}`;
  }
  if (change) {
    const [rows, cols] = change.map_shape;
    const mapSpacing: Spacing3 = [spacing[0], change.pixel_um[0], change.pixel_um[1]];
    for (const m of change.maps) {
      for (let j = 0; j < m.from_first.length; j++) {
        const dir = path.join(outDir, `scan${j + 1}`);
        await writeTiff(path.join(dir, `thickness_change_um${m.suffix}.tif`), makeVolume(m.from_first[j], [1, rows, cols], mapSpacing));
        await writeTiff(path.join(dir, `thickness_change_previous_um${m.suffix}.tif`), makeVolume(m.from_previous[j], [1, rows, cols], mapSpacing));
        // the same change from scan 0 as areal capacity (4.85 µm of Li per mAh/cm²; NaN where unmeasured)
        await writeTiff(path.join(dir, `capacity_change_mah_cm2${m.suffix}.tif`), makeVolume(m.from_first[j].map((v) => v / UM_PER_MAH_CM2), [1, rows, cols], mapSpacing));
        // scan 0's stripping replay at the fraction scan j + 1 lost vs its contact (replay.ts codes)
        if (m.replay_uniform[j]) await writeTiff(path.join(dir, `replay_agreement_uniform${m.suffix}.tif`), makeVolume(m.replay_uniform[j], [1, rows, cols], mapSpacing));
        if (m.replay_current[j]) await writeTiff(path.join(dir, `replay_agreement_current${m.suffix}.tif`), makeVolume(m.replay_current[j], [1, rows, cols], mapSpacing));
      }
    }
  }
  const { maps: _maps, ...changeRecord } = change ?? { maps: null };
  const record: SeriesRecord = {
    version: 1,
    scans: inputs,
    scans_absolute: inputs.map((p) => path.resolve(p)),
    spacing_um: spacing,
    centre_um: centre,
    convention: affine ? `${SERIES_CONVENTION}; ${AFFINE_CONVENTION}` : SERIES_CONVENTION,
    method: {
      kind: affine ? 'affine' : 'rigid',
      metric: 'least squares after a fitted gain and offset (normalised cross-correlation)',
      optimiser: `phase-correlation translation search, then inverse-compositional Gauss–Newton over a box pyramid (Gaussian σ = 1 voxel first)${affine ? '; then a second coarse-to-fine pass on the 12 affine parameters from the rigid solution' : ''}`,
      mask: 'scan 0 electrolyte and collector at least 2 voxels from Li; fields of view (label 255) and 4 voxels inside their edges left out',
      library: 'buried-li src/series (own CPU kernels)',
    },
    transforms,
    change: change ? (changeRecord as Omit<SeriesChange, 'maps'>) : null,
    change_note: changeNote,
  };
  await writeFileAtomically(path.join(outDir, 'series.json'), `${JSON.stringify(record, null, 2)}\n`);
  // the report (vega, resvg) loads only here
  options.onProgress?.('report');
  const { seriesReportHtml } = await import('./report.js');
  await writeFileAtomically(path.join(outDir, 'report.html'), await seriesReportHtml(record, change));
  return record;
}
