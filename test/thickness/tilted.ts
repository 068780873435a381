/** A synthetic cell whose plane interface is tilted about the y axis, for `--normal auto`. */
import { makeVolume, type Volume } from '../../src/io/volume.js';

export interface TiltedCell {
  labels: Volume<Uint8Array>;
  /** Li thickness along the plane normal (voxels, isotropic spacing 1 µm). */
  thicknessVoxels: number;
  tiltDeg: number;
}

/**
 * Layers (collector | Li | electrolyte) bounded by parallel planes tilted by `tiltDeg` about y,
 * with labels by voxel centre. `flip` puts the collector at high z.
 */
export function tiltedCell(options: { tiltDeg?: number; thickness?: number; shape?: [number, number, number]; flip?: boolean } = {}): TiltedCell {
  const tiltDeg = options.tiltDeg ?? 10;
  const t = options.thickness ?? 12;
  const [nz, ny, nx] = options.shape ?? [72, 96, 128];
  const th = (tiltDeg * Math.PI) / 180;
  // unit normal (z, x components); signed distance of a point from the Li top plane
  const nzc = Math.cos(th);
  const nxc = Math.sin(th);
  const data = new Uint8Array(nz * ny * nx);
  const cz = nz * 0.35;
  const cx = nx / 2;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const z = options.flip ? nz - (k + 0.5) : k + 0.5;
        const s = (z - cz) * nzc + (i + 0.5 - cx) * nxc; // distance along the normal from the Li top plane
        let l: number;
        if (s < -8) l = 0; // void above the collector
        else if (s < 0) l = 3; // collector, 8 voxels
        else if (s < t) l = 1; // Li
        else l = 2; // electrolyte
        data[(k * ny + j) * nx + i] = l;
      }
  return { labels: makeVolume(data, [nz, ny, nx], [1, 1, 1]), thicknessVoxels: t, tiltDeg };
}
