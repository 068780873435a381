/**
 * The trainable segmentation as a file stage (`buried segment SCAN --annotations ANN -o DIR`, or
 * `--model model.json`): read the scan and the annotations, train or load the model, segment, and
 * write labels.tif, probability_<phase>.tif (uint8, 255 = certain), uncertainty.tif (uint8,
 * 255 × (1 − max probability)), model.json and segment.json. In memory (the scan, the annotations,
 * (K + 2) output bytes per voxel and one slab of features).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../io/errors.js';
import { loadVolume, type OpenOptions } from '../../io/open.js';
import { writeTiff } from '../../io/tiff/index.js';
import { writeFileAtomically } from '../../io/atomic.js';
import { makeVolume, type Volume } from '../../io/volume.js';
import { labelsGeometry, liInventory, type LiInventory } from '../import-labels.js';
import type { AxisName } from '../types.js';
import { PROBABILITY_PHASES, probabilityFile, SEGMENT_FILES, UNCERTAINTY_FILE } from '../../io/run-folder.js';
import { phaseLabelDisplay } from '../../io/label-lut.js';
import { segmentTrainable, type TrainableModel, type TrainableOptions, type TrainableReport } from './run.js';

export interface TrainableScanOptions extends Omit<TrainableOptions, 'model' | 'names'> {
  annotations?: string | null;
  modelFile?: string | null;
}

/** segment.json of a trainable segmentation. */
export type TrainableDoc = TrainableReport & {
  input: string;
  annotations: string | null;
  model_file: string | null;
  shape: number[];
  spacing_um: number[] | null;
  /** The stack normal found from the labels (what the thickness stage reads); no layout judged. */
  layout: { name: 'unknown'; normal_axis: AxisName; source: 'detected'; evidence: Record<string, number> };
  li: LiInventory;
};

export interface TrainableScanResult {
  report: TrainableDoc;
  files: string[];
  /** The labels, for a caller that goes on in memory (the run pipeline's thickness stage). */
  labels: Volume<Uint8Array>;
}

export async function trainableScan(input: string, open: OpenOptions, out: string, o: TrainableScanOptions): Promise<TrainableScanResult> {
  if (!o.annotations && !o.modelFile) throw new InputError('trainable segmentation needs --annotations FILE or --model model.json');
  const model = o.modelFile ? await readModel(o.modelFile) : null;
  // shared: the prediction's worker threads read the scan without a copy
  const scan = await loadVolume(input, { ...open, shared: true });
  const annotations = o.annotations && !model ? await loadVolume(o.annotations, { roi: open.roi }) : null;
  const r = await segmentTrainable(scan, annotations, { ...o, model, names: { scan: input, annotations: o.annotations ?? undefined } });
  await fs.mkdir(out, { recursive: true });
  const spacing = scan.spacing;
  const files: string[] = [];
  const put = async (name: string, data: Uint8Array, description: Record<string, string>, labels = false) => {
    // labels.tif opens in Fiji in the phase colours like the segmentation's (label-lut.ts)
    await writeTiff(path.join(out, name), makeVolume(data, scan.shape, spacing), { compression: 'deflate', deflateLevel: 1, description, ...(labels ? { display: phaseLabelDisplay() } : {}) });
    files.push(name);
  };
  await put(SEGMENT_FILES.labels, r.labels, { labels: '0:void,1:Li,2:electrolyte,3:collector,4:cathode,5:outside,255:masked', method: 'trainable (random forest)' }, true);
  for (const [k, code] of r.model.class_codes.entries()) await put(probabilityFile(code), r.probabilities[k], { probability: `P(${PROBABILITY_PHASES[code]}) × 255` });
  await put(UNCERTAINTY_FILE, r.uncertainty, { uncertainty: '(1 − max class probability) × 255' });
  await writeFileAtomically(path.join(out, 'model.json'), JSON.stringify(r.model) + '\n');
  files.push('model.json');
  const normal = labelsGeometry(r.labels, scan.shape);
  const report: TrainableDoc = {
    ...r.report, input, annotations: o.annotations ?? null, model_file: o.modelFile ?? null, shape: [...scan.shape], spacing_um: spacing ? [...spacing] : null,
    layout: { name: 'unknown', normal_axis: normal.axis, source: 'detected', evidence: { variance_z: normal.spread[0], variance_y: normal.spread[1], variance_x: normal.spread[2] } },
    li: liInventory(normal, scan.shape, spacing, normal.axis),
  };
  await writeFileAtomically(path.join(out, SEGMENT_FILES.json), JSON.stringify(report, null, 1) + '\n');
  files.push(SEGMENT_FILES.json);
  return { report, files, labels: makeVolume(r.labels, scan.shape, spacing) };
}

async function readModel(file: string): Promise<TrainableModel> {
  let m: TrainableModel;
  try {
    m = JSON.parse(await fs.readFile(file, 'utf8')) as TrainableModel;
  } catch (e) {
    throw new InputError(`cannot read the model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]})`, file);
  }
  if (m?.kind !== 'random-forest' || m.version !== 1 || !Array.isArray(m.class_codes) || !m.spec || !m.forest) throw new InputError('not a buried-li trainable model (model.json of buried segment --annotations)', file);
  return m;
}
