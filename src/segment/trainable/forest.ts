/**
 * Random forest classifier (Breiman 2001, "Random Forests", Machine Learning 45:5–32), the
 * classifier of Fiji's Trainable Weka and ilastik: bootstrap samples, √F features tried per split,
 * Gini impurity, leaves holding the class distribution; the forest averages the leaves.
 *
 * Splits are searched on 64 quantile bins per feature (like LightGBM / scikit-learn's
 * HistGradientBoosting): training O(trees × samples × depth × √F) instead of a sort per node.
 * Written here rather than taken from npm: ml-random-forest (mljs) sorts at every node and keeps
 * trees as nested objects; prediction over ~10⁸ voxels needs flat typed arrays (one Int32/Float32
 * array per tree). Deterministic for a seed.
 */

export interface ForestOptions {
  trees?: number;
  maxDepth?: number;
  minLeaf?: number;
  seed?: number;
}

export interface Tree {
  /** Split feature per node (−1: leaf). */
  feature: Int16Array;
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf class distribution, K values per node (zeros for inner nodes). */
  value: Float32Array;
}

export interface Forest {
  classes: number;
  features: number;
  trees: Tree[];
}

import { mulberry32 } from '../../compute/rng.js';

const BINS = 64;
/** Voxels per prediction block: 31 features × 1024 × 4 B ≈ 127 KB, inside L2. */
const PREDICT_BLOCK = 1024;


/**
 * Train on `n` samples: X sample-major (X[i × F + f]), y class indices 0..K−1.
 */
export function trainForest(X: Float32Array, y: Uint8Array, n: number, F: number, K: number, o: ForestOptions = {}): Forest {
  const trees = o.trees ?? 16;
  const maxDepth = o.maxDepth ?? 14;
  const minLeaf = o.minLeaf ?? 2;
  const rnd = mulberry32(o.seed ?? 1);
  // quantile bin edges per feature from (a subsample of) the training samples
  const edges: Float32Array[] = [];
  const binned = new Uint8Array(n * F);
  const sub = Math.min(n, 20000);
  const vals = new Float32Array(sub);
  for (let f = 0; f < F; f++) {
    for (let k = 0; k < sub; k++) vals[k] = X[Math.floor((k * n) / sub) * F + f];
    const sorted = Float32Array.from(vals).sort();
    const e: number[] = [];
    for (let b = 1; b < BINS; b++) {
      const v = sorted[Math.floor((b * sub) / BINS)];
      if (!e.length || v > e[e.length - 1]) e.push(v);
    }
    const ef = Float32Array.from(e);
    edges.push(ef);
    for (let i = 0; i < n; i++) {
      const v = X[i * F + f];
      // bin = number of edges ≤ v (binary search)
      let lo = 0, hi = ef.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ef[mid] <= v) lo = mid + 1;
        else hi = mid;
      }
      binned[i * F + f] = lo;
    }
  }
  const mtry = Math.max(1, Math.round(Math.sqrt(F)));
  const out: Tree[] = [];
  for (let t = 0; t < trees; t++) out.push(growTree(binned, edges, y, n, F, K, mtry, maxDepth, minLeaf, rnd));
  return { classes: K, features: F, trees: out };
}

function growTree(
  binned: Uint8Array, edges: Float32Array[], y: Uint8Array, n: number, F: number, K: number,
  mtry: number, maxDepth: number, minLeaf: number, rnd: () => number,
): Tree {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = Math.floor(rnd() * n);
  const feature: number[] = [], threshold: number[] = [], left: number[] = [], right: number[] = [], value: number[] = [];
  const hist = new Float64Array(BINS * K);
  const tot = new Float64Array(K);
  const leftCount = new Float64Array(K);
  // explicit stack of (node, start, end, depth) over idx
  const stack: Array<[number, number, number, number]> = [];
  const newNode = () => {
    feature.push(-1); threshold.push(0); left.push(-1); right.push(-1);
    for (let k = 0; k < K; k++) value.push(0);
    return feature.length - 1;
  };
  stack.push([newNode(), 0, n, 0]);
  while (stack.length) {
    const [node, s, e, depth] = stack.pop()!;
    tot.fill(0);
    for (let i = s; i < e; i++) tot[y[idx[i]]]++;
    const m = e - s;
    let pure = 0;
    for (let k = 0; k < K; k++) if (tot[k] === m) pure = 1;
    const leaf = () => { for (let k = 0; k < K; k++) value[node * K + k] = tot[k] / m; };
    if (pure || depth >= maxDepth || m < 2 * minLeaf) { leaf(); continue; }
    let parentGini = 1;
    for (let k = 0; k < K; k++) parentGini -= (tot[k] / m) ** 2;
    let bestGain = 1e-12, bestF = -1, bestBin = -1;
    for (let tries = 0; tries < mtry; tries++) {
      const f = Math.floor(rnd() * F);
      hist.fill(0);
      for (let i = s; i < e; i++) hist[binned[idx[i] * F + f] * K + y[idx[i]]]++;
      leftCount.fill(0);
      let nl = 0;
      const nb = edges[f].length + 1;
      for (let b = 0; b < nb - 1; b++) {
        for (let k = 0; k < K; k++) { leftCount[k] += hist[b * K + k]; nl += hist[b * K + k]; }
        const nr = m - nl;
        if (nl < minLeaf || nr < minLeaf) continue;
        let gl = 1, gr = 1;
        for (let k = 0; k < K; k++) { gl -= (leftCount[k] / nl) ** 2; gr -= ((tot[k] - leftCount[k]) / nr) ** 2; }
        const gain = parentGini - (nl * gl + nr * gr) / m;
        if (gain > bestGain) { bestGain = gain; bestF = f; bestBin = b; }
      }
    }
    if (bestF < 0) { leaf(); continue; }
    // partition idx[s, e): bin ≤ bestBin to the left
    let a = s, z = e - 1;
    while (a <= z) {
      if (binned[idx[a] * F + bestF] <= bestBin) a++;
      else { const t = idx[a]; idx[a] = idx[z]; idx[z] = t; z--; }
    }
    feature[node] = bestF;
    // bin b holds values with (b edges ≤ v): left ⇔ v < edges[bestBin]
    threshold[node] = edges[bestF][bestBin];
    const l = newNode(), r = newNode();
    left[node] = l; right[node] = r;
    stack.push([l, s, a, depth + 1], [r, a, e, depth + 1]);
  }
  return { feature: Int16Array.from(feature), threshold: Float32Array.from(threshold), left: Int32Array.from(left), right: Int32Array.from(right), value: Float32Array.from(value) };
}

/**
 * A forest as five flat arrays (node indices global over the trees), in shared memory so worker
 * threads read one copy: what prediction runs on.
 */
export interface PackedForest {
  classes: number;
  roots: Int32Array;
  feature: Int16Array;
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float32Array;
  /**
   * The class of a pure leaf (its distribution one class at 1), −1 otherwise: most leaves of deep
   * trees are pure, and adding 1 to one class is what adding the distribution does (the same bits),
   * without the K loads and adds (−22 % of the walk's time, measured on 256² planes, 5 classes).
   */
  pure: Int8Array;
  /** A fingerprint of the trees (FNV-1a over their arrays): worker threads cache the compiled forest (forest-wasm.ts) under it. */
  key: string;
}

function sharedArray<T extends Int8Array | Int16Array | Int32Array | Float32Array>(Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T {
  return new Ctor(new SharedArrayBuffer(Math.max(1, n) * Ctor.BYTES_PER_ELEMENT));
}

export function packForest(forest: Forest): PackedForest {
  const K = forest.classes;
  const nodes = forest.trees.reduce((a, t) => a + t.feature.length, 0);
  const p: PackedForest = {
    classes: K, roots: sharedArray(Int32Array, forest.trees.length), feature: sharedArray(Int16Array, nodes), threshold: sharedArray(Float32Array, nodes),
    left: sharedArray(Int32Array, nodes), right: sharedArray(Int32Array, nodes), value: sharedArray(Float32Array, nodes * K),
    pure: sharedArray(Int8Array, nodes), key: '',
  };
  let base = 0;
  forest.trees.forEach((t, k) => {
    p.roots[k] = base;
    p.feature.set(t.feature, base);
    p.threshold.set(t.threshold, base);
    for (let i = 0; i < t.feature.length; i++) {
      p.left[base + i] = t.left[i] + base;
      p.right[base + i] = t.right[i] + base;
    }
    p.value.set(t.value, base * K);
    for (let i = 0; i < t.feature.length; i++) {
      let c = -1;
      if (t.feature[i] < 0) {
        for (let k = 0; k < K; k++) {
          const v = t.value[i * K + k];
          if (v === 1) c = k;
          else if (v !== 0) { c = -1; break; }
        }
      }
      p.pure[base + i] = c;
    }
    base += t.feature.length;
  });
  p.key = `${K}:${nodes}:${fingerprint([p.feature, p.threshold, p.left, p.value])}`;
  return p;
}

/** FNV-1a (32-bit) over the bytes of some typed arrays, as 8 hex digits. */
function fingerprint(arrays: Array<Int16Array | Int32Array | Float32Array>): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Class probabilities of `n` samples given feature-major (Xf[f × n + i], as the features' plane
 * writes them): out[i × K + k], the mean of the trees' leaf distributions. With `skip`, samples i
 * where skip[i] ≠ 0 are not walked (their row of out stays 0).
 */
export function predictPacked(forest: PackedForest, Xf: Float32Array, n: number, out?: Float32Array, skip?: Uint8Array): Float32Array {
  const K = forest.classes;
  const prob = out ?? new Float32Array(n * K);
  prob.fill(0, 0, n * K);
  const T = forest.roots.length;
  const idx = new Int32Array(PREDICT_BLOCK);
  // blocks of samples whose features stay in cache while every tree walks them (one tree over the
  // whole plane would stream all F feature arrays from memory once per tree)
  for (let b0 = 0; b0 < n; b0 += PREDICT_BLOCK) {
    const b1 = Math.min(n, b0 + PREDICT_BLOCK);
    let m = 0;
    for (let i = b0; i < b1; i++) if (!skip || !skip[i]) idx[m++] = i;
    walk(forest, Xf, n, prob, idx, m);
    for (let j = 0; j < m; j++) for (let k = 0; k < K; k++) prob[idx[j] * K + k] /= T;
  }
  return prob;
}

/** Add every tree's leaf distribution for the samples listed in idx[0, m). */
function walk(forest: PackedForest, Xf: Float32Array, n: number, prob: Float32Array, idx: Int32Array, m: number): void {
  const K = forest.classes;
  const { roots, feature, threshold, left, right, value, pure } = forest;
  for (let t = 0; t < roots.length; t++) {
    const root = roots[t];
    for (let j = 0; j < m; j++) {
      const i = idx[j];
      let node = root;
      let f = feature[node];
      while (f >= 0) {
        node = Xf[f * n + i] < threshold[node] ? left[node] : right[node];
        f = feature[node];
      }
      const c = pure[node], p = i * K;
      if (c >= 0) prob[p + c] += 1;
      else for (let k = 0, v = node * K; k < K; k++) prob[p + k] += value[v + k];
    }
  }
}

/** predictPacked of an unpacked forest. */
export function predictForest(forest: Forest, Xf: Float32Array, n: number, out?: Float32Array): Float32Array {
  return predictPacked(packForest(forest), Xf, n, out);
}

/** JSON form of a forest (model.json): arrays as plain number lists. */
export function forestToJson(forest: Forest): unknown {
  return {
    classes: forest.classes,
    features: forest.features,
    trees: forest.trees.map((t) => ({ feature: Array.from(t.feature), threshold: Array.from(t.threshold), left: Array.from(t.left), right: Array.from(t.right), value: Array.from(t.value, (v) => +v.toPrecision(5)) })),
  };
}

export function forestFromJson(j: { classes: number; features: number; trees: Array<{ feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[] }> }): Forest {
  return {
    classes: j.classes,
    features: j.features,
    trees: j.trees.map((t) => ({ feature: Int16Array.from(t.feature), threshold: Float32Array.from(t.threshold), left: Int32Array.from(t.left), right: Int32Array.from(t.right), value: Float32Array.from(t.value) })),
  };
}
