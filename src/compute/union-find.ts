/**
 * Union of connected-component pieces across a slab boundary: the first plane of the upper slab
 * against the last plane of the lower one. Shared by the cpu backend (its worker slabs) and the
 * segmentation's slab-by-slab components.
 */

/** Root of `g` with path halving. */
export function findRoot(parent: Int32Array, g: number): number {
  while (parent[g] !== g) {
    parent[g] = parent[parent[g]];
    g = parent[g];
  }
  return g;
}

/**
 * Joins, in `parent`, every labelled voxel of `upper` (ids `upperOffset + label`) with its labelled
 * neighbours in `lower` (ids `lowerOffset + label`): the voxel straight below (6-connectivity) or
 * the 3×3 below (26). Label 0 is background in both planes. The smaller root wins, so roots stay
 * the first piece in raster order. When a voxel carries the same label as its left neighbour, the
 * neighbours they share were joined already and only the 3 ahead in x are looked at.
 */
export function mergeAcrossPlane(
  parent: Int32Array, upper: Uint32Array, upperOffset: number, lower: Uint32Array, lowerOffset: number,
  ny: number, nx: number, connectivity: 6 | 26,
): void {
  let lastA = -1, lastB = -1; // last joined pair: runs of equal labels repeat it
  const join = (a: number, b: number) => {
    if (a === lastA && b === lastB) return;
    lastA = a;
    lastB = b;
    const ra = findRoot(parent, a), rb = findRoot(parent, b);
    if (ra < rb) parent[rb] = ra;
    else if (rb < ra) parent[ra] = rb;
  };
  for (let y = 0; y < ny; y++) {
    const row = y * nx;
    for (let x = 0; x < nx; x++) {
      const l = upper[row + x];
      if (!l) continue;
      const a = upperOffset + l;
      if (connectivity === 6) {
        const m = lower[row + x];
        if (m) join(a, lowerOffset + m);
        continue;
      }
      const sameAsLeft = x > 0 && upper[row + x - 1] === l;
      const dx0 = sameAsLeft ? 1 : -1;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= ny) continue;
        for (let dx = dx0; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= nx) continue;
          const m = lower[yy * nx + xx];
          if (m) join(a, lowerOffset + m);
        }
      }
    }
  }
}
