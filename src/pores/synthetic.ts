/**
 * Synthetic porous electrolyte for the tortuosity tests and benchmark: a dense phase (1) with
 * overlapping spherical pores (0) dropped at seeded random centres until the pore fraction reaches
 * the target. Overlapping spheres give a connected solid up to high porosity and a τ well above 1,
 * the kind of structure TauFactor is benchmarked on.
 */
import { Rng } from '../synth/rng.js';

export interface PorousPhaseOptions {
  /** Target pore fraction (0 … 0.9). */
  porosity: number;
  /** Pore radius in voxels. */
  radius: number;
  seed?: number;
}

/** Uint8 [nz·ny·nx]: 1 = conducting phase, 0 = pore. The pore fraction reaches `porosity` from above by at most one sphere. */
export function porousPhase(shape: [number, number, number], o: PorousPhaseOptions): Uint8Array {
  const [nz, ny, nx] = shape;
  const n = nz * ny * nx;
  const phase = new Uint8Array(n).fill(1);
  const rng = new Rng(o.seed ?? 1, 'pores-spheres');
  const r = o.radius;
  const ri = Math.ceil(r);
  const target = Math.round(o.porosity * n);
  let pores = 0;
  while (pores < target) {
    const cz = rng.uniform(0, nz);
    const cy = rng.uniform(0, ny);
    const cx = rng.uniform(0, nx);
    const z0 = Math.max(0, Math.floor(cz - ri));
    const z1 = Math.min(nz - 1, Math.ceil(cz + ri));
    const y0 = Math.max(0, Math.floor(cy - ri));
    const y1 = Math.min(ny - 1, Math.ceil(cy + ri));
    const x0 = Math.max(0, Math.floor(cx - ri));
    const x1 = Math.min(nx - 1, Math.ceil(cx + ri));
    for (let z = z0; z <= z1; z++)
      for (let y = y0; y <= y1; y++)
        for (let x = x0; x <= x1; x++) {
          // voxel centres at integer + 0.5
          const d2 = (z + 0.5 - cz) ** 2 + (y + 0.5 - cy) ** 2 + (x + 0.5 - cx) ** 2;
          const i = (z * ny + y) * nx + x;
          if (d2 <= r * r && phase[i]) {
            phase[i] = 0;
            pores++;
          }
        }
  }
  return phase;
}
