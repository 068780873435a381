/** Slab plans for streaming passes over z: interiors tile [0, nz); each slab loads `halo` more slices on both sides (clipped). */
export interface Slab {
  /** Interior slices [z0, z1): the pass computes these. */
  z0: number;
  z1: number;
  /** Loaded slices [lo, hi) = interior plus halo, clipped to the volume. */
  lo: number;
  hi: number;
}

export function planSlabs(nz: number, slicesPerSlab: number, halo = 0): Slab[] {
  const step = Math.max(1, Math.floor(slicesPerSlab));
  const out: Slab[] = [];
  for (let z0 = 0; z0 < nz; z0 += step) {
    const z1 = Math.min(nz, z0 + step);
    out.push({ z0, z1, lo: Math.max(0, z0 - halo), hi: Math.min(nz, z1 + halo) });
  }
  return out;
}
