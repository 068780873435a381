/** Accuracy figures of a phase segmentation against a phantom's exact ground truth. */
import type { Phantom } from '../../src/synth/index.js';

export function dice(a: ArrayLike<number>, b: ArrayLike<number>, label: number): number {
  let inter = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] === label, y = b[i] === label;
    if (x) na++;
    if (y) nb++;
    if (x && y) inter++;
  }
  return na + nb ? (2 * inter) / (na + nb) : 1;
}

/** Per-column Li layer thickness (µm): Li voxels with centre above the electrolyte surface × dz. */
export function layerThickness(labels: Uint8Array, p: Phantom): Float64Array {
  const [nz, ny, nx] = p.labels.shape;
  const dz = p.truth.voxel_um;
  const plane = ny * nx;
  const out = new Float64Array(plane);
  for (let k = 0; k < nz; k++) {
    const zc = (k + 0.5) * dz;
    for (let col = 0; col < plane; col++) if (zc < p.surface.data[col] && labels[k * plane + col] === 1) out[col] += dz;
  }
  return out;
}

export interface Accuracy {
  dice: { void: number; li: number; electrolyte: number; collector: number };
  /** Mean absolute error of the per-column Li thickness, in voxels. */
  thicknessMaeVoxels: number;
  /** Same for the truth labels (the voxel-rasterisation floor). */
  truthLabelMaeVoxels: number;
  meanThicknessVoxels: number;
}

export function accuracy(labels: Uint8Array, p: Phantom): Accuracy {
  const t = p.truth.voxel_um;
  const mine = layerThickness(labels, p);
  const fromTruthLabels = layerThickness(p.labels.data, p);
  let e = 0, e0 = 0, m = 0;
  for (let c = 0; c < mine.length; c++) {
    e += Math.abs(mine[c] - p.thickness.data[c]);
    e0 += Math.abs(fromTruthLabels[c] - p.thickness.data[c]);
    m += p.thickness.data[c];
  }
  const n = mine.length;
  return {
    dice: { void: dice(labels, p.labels.data, 0), li: dice(labels, p.labels.data, 1), electrolyte: dice(labels, p.labels.data, 2), collector: dice(labels, p.labels.data, 3) },
    thicknessMaeVoxels: e / n / t,
    truthLabelMaeVoxels: e0 / n / t,
    meanThicknessVoxels: m / n / t,
  };
}

export function formatAccuracy(name: string, a: Accuracy): string {
  const d = a.dice;
  return `${name.padEnd(28)} Dice void ${d.void.toFixed(4)}  Li ${d.li.toFixed(4)}  electrolyte ${d.electrolyte.toFixed(4)}  collector ${d.collector.toFixed(4)}  | Li thickness MAE ${a.thicknessMaeVoxels.toFixed(3)} vox (truth-label floor ${a.truthLabelMaeVoxels.toFixed(3)}, mean ${a.meanThicknessVoxels.toFixed(1)} vox)`;
}
