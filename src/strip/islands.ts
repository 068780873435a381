/**
 * Li islands at every stripping step in one pass.
 *
 * The Li left after removing depth h is {t > h}. As h decreases the set only grows, so the pixels
 * are added in descending thickness (from the sorted map) into a union-find with 8-connectivity
 * and the statistics are read off whenever the sweep passes a step's depth — no relabelling per
 * step. Per step: number of 8-connected components, largest component (running max: components only
 * merge while pixels are added, so the largest size never decreases along the sweep), number of
 * components of at least `minIsland` pixels (maintained on every merge), and the median component
 * size from a size histogram with a two-level (√N-block) count: O(1) per merge, O(√N) per query.
 * Cost: O(N α(N)) for the sweep plus O(steps·√N).
 */
import type { SortedMap } from './replay.js';

export interface IslandStats {
  islands: number;
  largest_island_px: number;
  /** Median component size in pixels (mean of the two middle sizes for an even count; 0 when none). */
  median_island_px: number;
  islands_ge_min: number;
}

/**
 * Island statistics for each depth in `depths` (any order). `m` must come from sortMap of the same
 * map (shape ny × nx).
 */
export function islandSweep(m: SortedMap, ny: number, nx: number, depths: number[], minIsland = 1): IslandStats[] {
  const W = nx + 2;
  // padded grid: a one-pixel border that is never active removes the bounds checks
  const parent = new Int32Array(W * (ny + 2)).fill(-1);
  const size = new Int32Array(W * (ny + 2));
  const n = m.n;
  const bits = Math.max(4, Math.ceil(Math.log2(Math.sqrt(Math.max(n, 16)))));
  const cnt = new Int32Array(n + 2);
  const blk = new Int32Array((n >> bits) + 2);
  const offs = [-W - 1, -W, -W + 1, -1, 1, W - 1, W, W + 1];
  let components = 0;
  let geMin = 0;
  let largest = 0;

  const kth = (k: number): number => {
    // k-th smallest size (1-based)
    let b = 0;
    while (k > blk[b]) {
      k -= blk[b];
      b++;
    }
    let s = b << bits;
    while (k > cnt[s]) {
      k -= cnt[s];
      s++;
    }
    return s;
  };

  const orderIdx = depths.map((_, i) => i).sort((a, b) => depths[b] - depths[a]);
  const out = new Array<IslandStats>(depths.length);
  const { values, order } = m;
  const one = minIsland <= 1 ? 1 : 0;
  let p = n - 1;
  for (const di of orderIdx) {
    const h = depths[di];
    while (p >= 0 && values[p] > h) {
      const q0 = order[p--];
      const y = (q0 / nx) | 0;
      const px = q0 + W + 1 + 2 * y;
      parent[px] = px;
      size[px] = 1;
      components++;
      cnt[1]++;
      blk[1 >> bits]++;
      geMin += one;
      if (largest < 1) largest = 1;
      let root = px;
      for (let k = 0; k < 8; k++) {
        let rq = parent[px + offs[k]];
        if (rq < 0) continue;
        // find with path halving
        while (parent[rq] !== rq) {
          const g = parent[parent[rq]];
          parent[rq] = g;
          rq = g;
        }
        if (rq === root) continue;
        const sa = size[root];
        const sb = size[rq];
        const ss = sa + sb;
        // union by size
        if (sa >= sb) {
          parent[rq] = root;
          size[root] = ss;
        } else {
          parent[root] = rq;
          size[rq] = ss;
          root = rq;
        }
        components--;
        cnt[sa]--;
        blk[sa >> bits]--;
        cnt[sb]--;
        blk[sb >> bits]--;
        cnt[ss]++;
        blk[ss >> bits]++;
        geMin += (ss >= minIsland ? 1 : 0) - (sa >= minIsland ? 1 : 0) - (sb >= minIsland ? 1 : 0);
        if (ss > largest) largest = ss;
      }
    }
    let median = 0;
    if (components > 0) {
      median = components % 2 === 1 ? kth((components + 1) / 2) : (kth(components / 2) + kth(components / 2 + 1)) / 2;
    }
    out[di] = { islands: components, largest_island_px: largest, median_island_px: median, islands_ge_min: geMin };
  }
  return out;
}

/** Brute-force reference: label {t > h} (8-connectivity, BFS) and measure. For tests. */
export function islandsBruteForce(t: ArrayLike<number>, ny: number, nx: number, h: number, minIsland = 1): IslandStats {
  const lab = new Int32Array(ny * nx).fill(-1);
  const sizes: number[] = [];
  const stack: number[] = [];
  for (let s = 0; s < ny * nx; s++) {
    if (!(t[s] > h) || lab[s] >= 0) continue;
    const id = sizes.length;
    let sz = 0;
    lab[s] = id;
    stack.push(s);
    while (stack.length) {
      const px = stack.pop()!;
      sz++;
      const y = Math.floor(px / nx);
      const x = px % nx;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
          const q = yy * nx + xx;
          if (t[q] > h && lab[q] < 0) {
            lab[q] = id;
            stack.push(q);
          }
        }
    }
    sizes.push(sz);
  }
  sizes.sort((a, b) => a - b);
  const c = sizes.length;
  const median = c === 0 ? 0 : c % 2 ? sizes[(c - 1) / 2] : (sizes[c / 2 - 1] + sizes[c / 2]) / 2;
  return {
    islands: c,
    largest_island_px: c ? sizes[c - 1] : 0,
    median_island_px: median,
    islands_ge_min: sizes.filter((s) => s >= minIsland).length,
  };
}
