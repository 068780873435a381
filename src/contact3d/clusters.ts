/**
 * Contact spots: 4-connected components of the contact pixels on the periodic grid (a spot that
 * leaves one side comes back on the other), by union-find with path halving, O(N α(N)). Each spot's
 * area, mean pressure and equivalent radius a = √(area/π) feed the creep law (creep.ts).
 */

export interface Clusters {
  /** Spot index per pixel (−1 = not in contact). */
  id: Int32Array;
  count: number;
  /** Per spot: area (µm²), mean pressure (MPa), equivalent radius (µm). */
  area: Float64Array;
  meanPressure: Float64Array;
  radius: Float64Array;
}

export function contactClusters(p: Float64Array, ny: number, nx: number, dy: number, dx: number): Clusters {
  const N = ny * nx;
  const parent = new Int32Array(N);
  for (let i = 0; i < N; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a), rb = find(b);
    if (ra !== rb) { if (ra < rb) parent[rb] = ra; else parent[ra] = rb; }
  };
  for (let r = 0; r < ny; r++) {
    const up = ((r + 1) % ny) * nx;
    for (let i = 0; i < nx; i++) {
      const k = r * nx + i;
      if (!(p[k] > 0)) continue;
      const right = r * nx + ((i + 1) % nx);
      if (p[right] > 0) union(k, right);
      if (p[up + i] > 0) union(k, up + i);
    }
  }
  const id = new Int32Array(N).fill(-1);
  const rootId = new Int32Array(N).fill(-1);
  let count = 0;
  for (let k = 0; k < N; k++) {
    if (!(p[k] > 0)) continue;
    const root = find(k);
    if (rootId[root] < 0) rootId[root] = count++;
    id[k] = rootId[root];
  }
  const area = new Float64Array(count), meanPressure = new Float64Array(count), radius = new Float64Array(count);
  const px = dx * dy;
  for (let k = 0; k < N; k++) if (id[k] >= 0) { area[id[k]] += px; meanPressure[id[k]] += p[k]; }
  for (let c = 0; c < count; c++) {
    meanPressure[c] = (meanPressure[c] * px) / area[c];
    radius[c] = Math.sqrt(area[c] / Math.PI);
  }
  return { id, count, area, meanPressure, radius };
}
