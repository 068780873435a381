/**
 * Structured, boundary-fitted quad meshes for the periodic contact cell, and nested-dissection
 * equation numbering on them.
 *
 * Geometry (µm): a periodic cell 0 ≤ x < λ with nx uniform columns at the profile samples.
 * - Li block: rectangle from y0 = max(h) (flat bottom, touching only the summits: the physical initial
 *   state of a flat foil pressed onto a rough electrolyte) up to y0 + T. Its top row is tied to one
 *   vertical platen unknown δ (rigid, frictionless platen carrying the stack force).
 * - Electrolyte block: column i spans y = −L … h(x_i), graded towards the surface; bottom clamped.
 * Matching columns make node-to-node frictionless contact exact for the linearised (vertical) gap.
 * The right edge column is the left one (periodic): node ids wrap, element coordinates do not.
 */

export interface Body {
  nNodes: number;
  /** Node coordinates (µm). */
  x: Float64Array;
  y: Float64Array;
  /** 4 node ids per element, counter-clockwise. */
  elems: Int32Array;
  /** 8 coordinates per element (x0,y0,…,x3,y3), unwrapped across the periodic seam. */
  ecoords: Float64Array;
  /** Equation index per (node, component), −1 = prescribed (value in `prescribed`). */
  eq: Int32Array;
  nEq: number;
  /** Trailing equations kept for the Schur complement (interface + platen). */
  nLast: number;
  prescribed: Float64Array;
  /** Element group (material index) per element. */
  group: Uint8Array;
}

export interface CellMesh {
  nx: number;
  lambda: number;
  dx: number;
  xs: Float64Array;
  h: Float64Array;
  li: Body;
  /** Li interface node ids (row 0), by column. */
  liInterface: Int32Array;
  /** Equation of δ (platen) in the Li body. */
  deltaEq: number;
  liBottomY: number;
  liThickness: number;
  el: Body | null;
  elInterface: Int32Array | null;
  elDepth: number;
}

/** Row coordinates 0 = s_0 < … < s_n = total with the first size ≈ first and geometric growth (uniform if that suffices). */
export function gradedSizes(total: number, n: number, first: number): Float64Array {
  const s = new Float64Array(n + 1);
  if (first * n >= total || n <= 1) {
    for (let k = 0; k <= n; k++) s[k] = (total * k) / n;
    return s;
  }
  // find q > 1 with first (q^n − 1)/(q − 1) = total
  let lo = 1 + 1e-12, hi = 2;
  const sum = (q: number) => (first * (Math.pow(q, n) - 1)) / (q - 1);
  while (sum(hi) < total) hi *= 2;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (sum(mid) < total) lo = mid;
    else hi = mid;
  }
  const q = 0.5 * (lo + hi);
  let acc = 0, d = first;
  for (let k = 0; k < n; k++) { s[k] = acc; acc += d; d *= q; }
  for (let k = 0; k < n; k++) s[k] *= total / acc;
  s[n] = total;
  return s;
}

/**
 * Nested-dissection visiting order of grid nodes (col, row) for cols on a ring 0..nc−1 (periodic) and
 * rows r0..r1: the ring is cut by two column separators, boxes are bisected along their longer side.
 */
export function nestedDissection(nc: number, r0: number, r1: number): Int32Array {
  const out: number[] = [];
  const push = (c: number, r: number) => out.push(c, r);
  const box = (c0: number, c1: number, a: number, b: number): void => {
    const w = c1 - c0 + 1, hgt = b - a + 1;
    if (w <= 0 || hgt <= 0) return;
    if (w * hgt <= 6) {
      for (let r = a; r <= b; r++) for (let c = c0; c <= c1; c++) push(c, r);
      return;
    }
    if (w >= hgt) {
      const m = (c0 + c1) >> 1;
      box(c0, m - 1, a, b);
      box(m + 1, c1, a, b);
      for (let r = a; r <= b; r++) push(m, r);
    } else {
      const m = (a + b) >> 1;
      box(c0, c1, a, m - 1);
      box(c0, c1, m + 1, b);
      for (let c = c0; c <= c1; c++) push(c, m);
    }
  };
  if (nc < 4) box(0, nc - 1, r0, r1);
  else {
    const half = nc >> 1;
    box(1, half - 1, r0, r1);
    box(half + 1, nc - 1, r0, r1);
    for (let r = r0; r <= r1; r++) push(0, r);
    for (let r = r0; r <= r1; r++) push(half, r);
  }
  return Int32Array.from(out);
}

function gridElements(nx: number, ny: number, xs: Float64Array, dx: number, yOf: (row: number, col: number) => number) {
  const nEl = nx * ny;
  const elems = new Int32Array(nEl * 4);
  const ecoords = new Float64Array(nEl * 8);
  let e = 0;
  for (let r = 0; r < ny; r++) {
    for (let i = 0; i < nx; i++) {
      const i1 = (i + 1) % nx;
      const xa = xs[i], xb = xs[i] + dx;
      elems.set([r * nx + i, r * nx + i1, (r + 1) * nx + i1, (r + 1) * nx + i], e * 4);
      ecoords.set([xa, yOf(r, i), xb, yOf(r, i1), xb, yOf(r + 1, i1), xa, yOf(r + 1, i)], e * 8);
      e++;
    }
  }
  return { elems, ecoords };
}

export interface CellOptions {
  /** Li thickness above max(h), µm (default λ). */
  liThickness?: number;
  /** Electrolyte depth below the mean surface, µm (default λ); null = rigid electrolyte (no mesh). */
  elDepth?: number | null;
  /** Rows in the Li block (default 24) and in the electrolyte (default 16). */
  nyLi?: number;
  nyEl?: number;
  /** First row height as a multiple of dx (default 1). */
  firstRow?: number;
}

/** Build the periodic contact cell on nx uniform columns with surface heights h (µm). */
export function buildCell(lambda: number, h: Float64Array, opts: CellOptions = {}): CellMesh {
  const nx = h.length;
  if (nx < 4) throw new Error('need at least 4 columns');
  const dx = lambda / nx;
  const xs = new Float64Array(nx);
  for (let i = 0; i < nx; i++) xs[i] = i * dx;
  let hmax = -Infinity, hmean = 0;
  for (let i = 0; i < nx; i++) { hmax = Math.max(hmax, h[i]); hmean += h[i] / nx; }
  const T = opts.liThickness ?? lambda;
  const nyLi = opts.nyLi ?? 24;
  const first = (opts.firstRow ?? 1) * dx;
  const sLi = gradedSizes(T, nyLi, first);

  // ---- Li block
  const nLiNodes = nx * (nyLi + 1);
  const lx = new Float64Array(nLiNodes), ly = new Float64Array(nLiNodes);
  for (let r = 0; r <= nyLi; r++) for (let i = 0; i < nx; i++) { lx[r * nx + i] = xs[i]; ly[r * nx + i] = hmax + sLi[r]; }
  const liGrid = gridElements(nx, nyLi, xs, dx, (r) => hmax + sLi[r]);
  const eqLi = new Int32Array(2 * nLiNodes).fill(-1);
  let next = 0;
  // nested dissection over all rows; the interface v (row 0) and the platen δ are numbered last (Schur block)
  const order = nestedDissection(nx, 0, nyLi);
  const topPin = nyLi * nx + 0; // pinned u (removes the rigid x translation)
  for (let k = 0; k < order.length; k += 2) {
    const node = order[k + 1] * nx + order[k];
    if (node !== topPin) eqLi[2 * node] = next++;
    if (order[k + 1] !== nyLi && order[k + 1] !== 0) eqLi[2 * node + 1] = next++;
  }
  const nLast = nx + 1;
  for (let i = 0; i < nx; i++) eqLi[2 * i + 1] = next++;
  const deltaEq = next++;
  for (let i = 0; i < nx; i++) eqLi[2 * (nyLi * nx + i) + 1] = deltaEq;
  const li: Body = {
    nNodes: nLiNodes, x: lx, y: ly, elems: liGrid.elems, ecoords: liGrid.ecoords, eq: eqLi, nEq: next, nLast,
    prescribed: new Float64Array(2 * nLiNodes), group: new Uint8Array(nx * nyLi),
  };
  const liInterface = new Int32Array(nx);
  for (let i = 0; i < nx; i++) liInterface[i] = i;

  // ---- electrolyte block
  let el: Body | null = null;
  let elInterface: Int32Array | null = null;
  const L = opts.elDepth === null ? 0 : (opts.elDepth ?? lambda);
  if (opts.elDepth !== null) {
    const nyEl = opts.nyEl ?? 16;
    const base = hmean - L;
    // grading in the normalised coordinate: first (top) row ≈ first / (h_mean + L)
    const s = gradedSizes(1, nyEl, Math.min(1 / nyEl, first / L));
    const sr = new Float64Array(nyEl + 1);
    for (let r = 0; r <= nyEl; r++) sr[r] = 1 - s[nyEl - r]; // fine near the top (r = nyEl)
    const yOf = (r: number, i: number) => base + (h[i] - base) * sr[r];
    const nN = nx * (nyEl + 1);
    const ex = new Float64Array(nN), ey = new Float64Array(nN);
    for (let r = 0; r <= nyEl; r++) for (let i = 0; i < nx; i++) { ex[r * nx + i] = xs[i]; ey[r * nx + i] = yOf(r, i); }
    const g = gridElements(nx, nyEl, xs, dx, yOf);
    const eq = new Int32Array(2 * nN).fill(-1);
    let m = 0;
    const ord = nestedDissection(nx, 1, nyEl - 1);
    for (let k = 0; k < ord.length; k += 2) {
      const node = ord[k + 1] * nx + ord[k];
      eq[2 * node] = m++;
      eq[2 * node + 1] = m++;
    }
    const top = nyEl * nx;
    for (let i = 0; i < nx; i++) eq[2 * (top + i)] = m++;
    for (let i = 0; i < nx; i++) eq[2 * (top + i) + 1] = m++;
    el = {
      nNodes: nN, x: ex, y: ey, elems: g.elems, ecoords: g.ecoords, eq, nEq: m, nLast: nx,
      prescribed: new Float64Array(2 * nN), group: new Uint8Array(nx * nyEl),
    };
    elInterface = new Int32Array(nx);
    for (let i = 0; i < nx; i++) elInterface[i] = top + i;
  }
  return { nx, lambda, dx, xs, h, li, liInterface, deltaEq, liBottomY: hmax, liThickness: T, el, elInterface, elDepth: L };
}

/** A plain rectangular grid body [x0,x0+W]×[y0,y0+H] with nxe×nye elements and given column/row coordinates; natural equation order. */
export function rectBody(xc: Float64Array, yc: Float64Array, fixed: (node: number, comp: 0 | 1, x: number, y: number) => number | null): Body {
  const nxN = xc.length, nyN = yc.length;
  const nNodes = nxN * nyN;
  const x = new Float64Array(nNodes), y = new Float64Array(nNodes);
  for (let r = 0; r < nyN; r++) for (let c = 0; c < nxN; c++) { x[r * nxN + c] = xc[c]; y[r * nxN + c] = yc[r]; }
  const nEl = (nxN - 1) * (nyN - 1);
  const elems = new Int32Array(nEl * 4), ecoords = new Float64Array(nEl * 8);
  let e = 0;
  for (let r = 0; r < nyN - 1; r++) for (let c = 0; c < nxN - 1; c++) {
    const n = [r * nxN + c, r * nxN + c + 1, (r + 1) * nxN + c + 1, (r + 1) * nxN + c];
    elems.set(n, e * 4);
    for (let a = 0; a < 4; a++) { ecoords[e * 8 + 2 * a] = x[n[a]]; ecoords[e * 8 + 2 * a + 1] = y[n[a]]; }
    e++;
  }
  return bodyFrom(x, y, elems, ecoords, fixed);
}

/** Body from arbitrary nodes/quads with prescribed dofs given by `fixed` (value or null = free); natural equation order. */
export function bodyFrom(x: Float64Array, y: Float64Array, elems: Int32Array, ecoords: Float64Array, fixed: (node: number, comp: 0 | 1, x: number, y: number) => number | null): Body {
  const nNodes = x.length;
  const eq = new Int32Array(2 * nNodes);
  const prescribed = new Float64Array(2 * nNodes);
  let m = 0;
  for (let n = 0; n < nNodes; n++) for (const c of [0, 1] as const) {
    const v = fixed(n, c, x[n], y[n]);
    if (v === null) eq[2 * n + c] = m++;
    else { eq[2 * n + c] = -1; prescribed[2 * n + c] = v; }
  }
  return { nNodes, x, y, elems, ecoords, eq, nEq: m, nLast: 0, prescribed, group: new Uint8Array(elems.length / 4) };
}
