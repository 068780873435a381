/**
 * Gaussian mixture fitted by EM to a histogram (bin values weighted by counts), and the grey levels
 * where adjacent weighted component densities cross.
 */

export interface GaussianComponent {
  weight: number;
  mean: number;
  std: number;
}

export interface GmmResult {
  components: GaussianComponent[];
  iterations: number;
  logLikelihood: number;
  converged: boolean;
}

/**
 * EM on a histogram. `values[i]` is the grey value of bin i, `counts[i]` its count. Components are
 * kept sorted by mean. The variance floor is (binWidth² / 12 + (1e-3·range)²) so a component cannot
 * collapse onto a single bin.
 */
export function fitGmm(
  values: ArrayLike<number>,
  counts: ArrayLike<number>,
  init: GaussianComponent[],
  options: { maxIterations?: number; tolerance?: number; binWidth?: number } = {},
): GmmResult {
  const B = counts.length;
  const K = init.length;
  const maxIt = options.maxIterations ?? 300;
  const tol = options.tolerance ?? 1e-8;
  // Compact the histogram: only non-empty bins matter.
  const xs: number[] = [];
  const ws: number[] = [];
  let total = 0;
  for (let i = 0; i < B; i++) {
    if (counts[i] > 0) {
      xs.push(values[i]);
      ws.push(counts[i]);
      total += counts[i];
    }
  }
  const n = xs.length;
  const range = n ? xs[n - 1] - xs[0] : 1;
  const bw = options.binWidth ?? 1;
  const varFloor = (bw * bw) / 12 + (1e-3 * range) ** 2;
  const comp = init.map((c) => ({ weight: Math.max(c.weight, 1e-6), mean: c.mean, v: Math.max(c.std * c.std, varFloor) }));
  const resp = new Float64Array(K);
  let ll = -Infinity;
  let it = 0;
  let converged = false;
  for (; it < maxIt; it++) {
    const sw = new Float64Array(K);
    const sx = new Float64Array(K);
    const sxx = new Float64Array(K);
    let newLl = 0;
    const logNorm = comp.map((c) => Math.log(c.weight) - 0.5 * Math.log(2 * Math.PI * c.v));
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      let mx = -Infinity;
      for (let k = 0; k < K; k++) {
        const d = x - comp[k].mean;
        resp[k] = logNorm[k] - (d * d) / (2 * comp[k].v);
        if (resp[k] > mx) mx = resp[k];
      }
      let s = 0;
      for (let k = 0; k < K; k++) s += resp[k] = Math.exp(resp[k] - mx);
      newLl += ws[i] * (mx + Math.log(s));
      for (let k = 0; k < K; k++) {
        const r = (resp[k] / s) * ws[i];
        sw[k] += r;
        sx[k] += r * x;
        sxx[k] += r * x * x;
      }
    }
    for (let k = 0; k < K; k++) {
      if (sw[k] <= 1e-12 * total) continue; // starved component: keep previous parameters
      const m = sx[k] / sw[k];
      comp[k].weight = sw[k] / total;
      comp[k].mean = m;
      comp[k].v = Math.max(varFloor, sxx[k] / sw[k] - m * m);
    }
    if (Math.abs(newLl - ll) <= tol * Math.abs(newLl)) {
      ll = newLl;
      converged = true;
      it++;
      break;
    }
    ll = newLl;
  }
  const components = comp.map((c) => ({ weight: c.weight, mean: c.mean, std: Math.sqrt(c.v) })).sort((a, b) => a.mean - b.mean);
  return { components, iterations: it, logLikelihood: ll, converged };
}

const logDensity = (c: GaussianComponent, x: number) => Math.log(c.weight) - Math.log(c.std) - 0.5 * ((x - c.mean) / c.std) ** 2;

/**
 * Grey level between a.mean and b.mean where a's weighted density equals b's (bisection on the log
 * ratio). Returns null when there is no crossing in between (one component dominates everywhere).
 */
export function densityCrossing(a: GaussianComponent, b: GaussianComponent): number | null {
  let lo = a.mean;
  let hi = b.mean;
  const f = (x: number) => logDensity(a, x) - logDensity(b, x);
  let flo = f(lo);
  const fhi = f(hi);
  if (!(flo > 0 && fhi < 0)) return null;
  for (let i = 0; i < 100; i++) {
    const mid = 0.5 * (lo + hi);
    const fm = f(mid);
    if (fm > 0) {
      lo = mid;
      flo = fm;
    } else hi = mid;
    if (hi - lo <= 1e-9 * Math.max(1, Math.abs(hi))) break;
  }
  return 0.5 * (lo + hi);
}
