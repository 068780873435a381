/**
 * The box the conduction solve runs on: along the normal, the slices every column's layer covers
 * ([max lo, min hi]: between the deepest points of the two interfaces, so both faces are all
 * layer), the whole cross-section; columns without a layer are non-conducting. `phase` is 1 on the
 * voxels of the code (electrolyte or pore), 0 elsewhere. Read slab by slab, so only the box is held.
 */
import type { Shape3, Spacing3 } from '../io/volume.js';
import type { SlabReader } from '../thickness/out-of-core.js';
import type { Axis } from '../thickness/map.js';
import { forEachVoxel, type Layer } from './layer.js';
import type { TortuosityFn } from './tortuosity-plugin.js';
import type { TortuosityRecord } from './types.js';

export function boxRange(layer: Layer): [number, number] | null {
  let a = -Infinity, b = Infinity;
  for (let c = 0; c < layer.lo.length; c++) {
    if (layer.lo[c] < 0) continue;
    a = Math.max(a, layer.lo[c]);
    b = Math.min(b, layer.hi[c]);
  }
  return Number.isFinite(a) && b - a + 1 >= 2 ? [a, b] : null;
}

/** The phase box of `code` ([t0, t1] along the normal) and its shape. */
export async function phaseBox(source: SlabReader, layer: Layer, code: number, [t0, t1]: [number, number], slabSlices: number): Promise<{ phase: Uint8Array; shape: Shape3 }> {
  const full = source.shape;
  const [nz, ny, nx] = full;
  const len = t1 - t0 + 1;
  const shape: Shape3 = layer.axis === 'z' ? [len, ny, nx] : layer.axis === 'y' ? [nz, len, nx] : [nz, ny, len];
  const phase = new Uint8Array(shape[0] * shape[1] * shape[2]);
  const zFrom = layer.axis === 'z' ? t0 : 0;
  const zTo = layer.axis === 'z' ? t1 + 1 : nz;
  const buf = new Uint8Array(Math.min(slabSlices, zTo - zFrom) * ny * nx);
  for (let z0 = zFrom; z0 < zTo; z0 += slabSlices) {
    const z1 = Math.min(zTo, z0 + slabSlices);
    const labels = (await source.readSlices(z0, z1, buf)) as Uint8Array;
    forEachVoxel(layer, full, z0, z1, (i, t, c) => {
      if (t < t0 || t > t1 || layer.lo[c] < 0 || labels[i] !== code) return;
      const z = z0 + Math.floor(i / (ny * nx));
      const r = i % (ny * nx);
      const y = Math.floor(r / nx);
      const x = r - y * nx;
      const j = layer.axis === 'z' ? ((z - t0) * ny + y) * nx + x : layer.axis === 'y' ? (z * len + (y - t0)) * nx + x : (z * ny + y) * len + (x - t0);
      phase[j] = 1;
    });
  }
  return { phase, shape };
}

/** The solver's outcome as pores.json records it. */
export async function runTortuosity(
  fn: TortuosityFn,
  box: { phase: Uint8Array; shape: Shape3 },
  kind: TortuosityRecord['phase'],
  axis: Axis,
  tol: number,
  spacing: Spacing3,
): Promise<{ record: TortuosityRecord; flux: Float32Array | null }> {
  const r = await fn(box.phase, box.shape, { axis, tol, spacing });
  return {
    record: {
      axis,
      phase: kind,
      tortuosity_factor: r.tortuosity_factor,
      effective_conductivity_ratio: r.effective_conductivity_ratio,
      volume_fraction: r.volume_fraction,
      percolating: r.percolating,
      iterations: r.iterations,
      residual: r.residual,
      converged: r.converged,
      tol: r.tol,
      box: box.shape,
      backend: r.backend ?? null,
    },
    flux: r.inlet_flux ?? null,
  };
}
