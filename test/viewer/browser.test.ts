import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { captureView, openBrowser, type BrowserSession, VIEWS } from '../../src/view/browser.js';
import { registerFigure } from '../../src/cli/commands/figure.js';
import { requireAvailable, tempDir } from '../helpers.js';
import { changedFraction, colourCount, decodePng, ensureViewerBuilt, lumaVariance, noChromium, makePhantomRun, CHROMIUM, type Decoded } from './helpers.js';
import { percentile, phaseColor, PHASES } from '../../viewer/src/colors.js';
import { colormap as reportLut } from '../../src/report/figures/colormaps.js';

type RGB = [number, number, number];

/**
 * The current stage's contact map: none in a disc of radius 12 px at the centre, in the band x ≥ 54
 * and in the block rows 0…5, columns 0…15 (top left in the TIFF: the map's orientation shows).
 */
const contactAt = (y: number, x: number): 0 | 1 => ((y - 32) ** 2 + (x - 32) ** 2 <= 144 || x >= 54 || (y <= 5 && x <= 15) ? 0 : 1);

/** The report's colour of t in [0, 1] (src/report/figures: the 256-entry table, entry round(255 t)). */
const reportColour = (name: 'viridis' | 'inferno', t: number): RGB => {
  const lut = reportLut(name);
  const k = Math.round(Math.min(1, Math.max(0, t)) * 255);
  return [lut[3 * k], lut[3 * k + 1], lut[3 * k + 2]];
};
const MAGENTA: RGB = [255, 0, 255];

const rgbAt = (img: Decoded, x: number, y: number): RGB => {
  const k = (y * img.width + x) * img.channels;
  return [img.data[k], img.data[k + 1], img.data[k + 2]];
};
const dist = (a: RGB, b: RGB): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const near = (a: RGB, b: RGB, tol: number): boolean => a.every((v, i) => Math.abs(v - b[i]) <= tol);
/** Is p the colour c laid with coverage α ≥ 0.3 over some grey (an anti-aliased or half-clipped line)? */
function tinted(p: RGB, c: RGB): boolean {
  for (let a = 0.3; a <= 1.0001; a += 0.05) {
    const q = p.map((v, i) => v - a * c[i]);
    if (Math.max(...q) - Math.min(...q) < 20 && Math.min(...q) > -12 && Math.max(...q) < 255 * (1 - a) + 12) return true;
  }
  return false;
}
const isWhite = (c: RGB): boolean => c.every((v) => v >= 250);

/** Pixels within 40 of a phase colour, by nearest phase: count and summed screen y. */
function classifyPhases(img: Decoded): Map<number, { n: number; sumY: number }> {
  const out = new Map<number, { n: number; sumY: number }>();
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const c = rgbAt(img, x, y);
      if (isWhite(c)) continue;
      let best = PHASES[0];
      for (const p of PHASES) if (dist(c, p.color) < dist(c, best.color)) best = p;
      if (dist(c, best.color) > 40) continue;
      const e = out.get(best.code) ?? { n: 0, sumY: 0 };
      e.n++;
      e.sumY += y;
      out.set(best.code, e);
    }
  }
  return out;
}

/**
 * Where a 2D image of cols × rows cells (cell size su × sv µm, row 0 at the top as in the TIFF and
 * the report's figures) lies in the columns x0…x1 of a screenshot: the whole image inside the panel
 * (no edge cut off), in its proportions. Returns the screen pixel at the centre of cell (c, r).
 */
function placeImage(img: Decoded, x0: number, x1: number, cols: number, rows: number, su: number, sv: number): (c: number, r: number) => [number, number] {
  let [top, bottom, left, right] = [-1, -1, x1, x0];
  for (let y = 0; y < img.height; y++) {
    for (let x = x0; x < x1; x++) {
      if (isWhite(rgbAt(img, x, y))) continue;
      if (top < 0) top = y;
      bottom = y;
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  expect(top, 'an image in the panel').toBeGreaterThanOrEqual(0);
  // the whole image is drawn: a margin of background on every side of it (no edge cut off)
  expect(left, 'image cut at the panel\'s left edge').toBeGreaterThan(x0 + 1);
  expect(right, 'image cut at the panel\'s right edge').toBeLessThan(x1 - 2);
  expect(top, 'image cut at the top').toBeGreaterThan(0);
  expect(bottom, 'image cut at the bottom').toBeLessThan(img.height - 1);
  // it keeps the cells' proportions, and fills the panel in one direction (contain)
  const scale = Math.min((bottom - top + 1) / (rows * sv), (right - left + 1) / (cols * su));
  expect(Math.abs(right - left + 1 - cols * su * scale)).toBeLessThan(3);
  expect(Math.abs(bottom - top + 1 - rows * sv * scale)).toBeLessThan(3);
  expect(Math.max((right - left + 1) / (x1 - x0), (bottom - top + 1) / img.height)).toBeGreaterThan(0.85);
  return (c, r) => [Math.floor(left + (c + 0.5) * su * scale), Math.floor(top + (r + 0.5) * sv * scale)];
}

/** drawChart's plot frame in a w × h chart (viewer/src/chart.ts). */
function chartFrame(w: number, h: number, y2: boolean) {
  const s = Math.max(0.8, Math.min(2.2, Math.min(w / 420, h / 260)));
  return { left: 58 * s, right: w - (y2 ? 58 : 16) * s, top: 30 * s, bottom: h - 42 * s };
}

/** A numeric CSV with a header row; columns may repeat a name (profiles.csv: first and last time). */
function parseCsv(text: string) {
  const lines = text.trim().split(/\r?\n/);
  const names = lines[0].split(',').map((q) => q.trim());
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  const at = (i: number) => rows.map((r) => r[i]);
  return {
    col: (name: string) => at(names.indexOf(name)),
    cols: (prefix: string) => names.flatMap((n, i) => (n.startsWith(prefix) ? [at(i)] : [])),
  };
}

describe('viewer in headless Chromium', () => {
  let server: ViewServer;
  let session: BrowserSession;
  let runDir: string;
  const W = 900;
  const H = 560;

  beforeEach((ctx) => requireAvailable(ctx, noChromium));
  beforeAll(async () => {
    if (noChromium) return; // every test skips (locally) or fails (CI) in beforeEach
    ensureViewerBuilt();
    runDir = await makePhantomRun(path.join(tempDir('buried-view-run-'), 'run'), { shape: [96, 64, 64], stripSteps: 30, contact: contactAt });
    server = await startViewServer({ dir: runDir });
    session = await openBrowser(CHROMIUM, W, H);
  }, 110_000);
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  async function load(view: string, extra = ''): Promise<void> {
    await session.page.goto(`${server.url}?view=${view}${extra}`);
    await waitReady();
  }
  async function waitReady(): Promise<void> {
    await session.page.waitForFunction(() => (window as unknown as { __buriedReady?: boolean; __buriedError?: string }).__buriedReady === true || Boolean((window as unknown as { __buriedError?: string }).__buriedError), undefined, { timeout: 45_000 });
    const err = await session.page.evaluate(() => (window as unknown as { __buriedError?: string }).__buriedError ?? null);
    expect(err).toBeNull();
  }
  async function shot(): Promise<Decoded> {
    return decodePng(await session.page.locator('#stage').screenshot());
  }
  async function slide(id: string, value: number): Promise<void> {
    await session.page.evaluate(
      ([sel, v]) => {
        const el = document.getElementById(sel as string) as HTMLInputElement;
        el.value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      },
      [id, value] as const,
    );
    // the slices view reloads a slice from the server; wait for its ready flag
    await waitReady();
    await session.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }

  /** The WebGL picture alone (the 2D overlay with titles, legends and scale bars hidden). */
  async function glShot(): Promise<Decoded> {
    const hide = (v: string) => session.page.evaluate((vis) => void (document.getElementById('overlay')!.style.visibility = vis), v);
    await hide('hidden');
    try {
      return decodePng(await session.page.locator('#vtk canvas').screenshot());
    } finally {
      await hide('');
    }
  }
  const getJson = async (p: string): Promise<unknown> => (await fetch(server.url + p)).json();
  const getBytes = async (p: string): Promise<ArrayBuffer> => (await fetch(server.url + p)).arrayBuffer();
  async function getMapData(name: string, max: number) {
    const info = (await getJson(`api/map/${name}/info?max=${max}`)) as { shape: [number, number]; pixel_um: [number, number] | null };
    return { info, data: new Float32Array(await getBytes(`api/map/${name}?max=${max}`)) };
  }

  it('has data for every view', async () => {
    const run = (await (await fetch(`${server.url}api/run`)).json()) as { views: Record<string, boolean> };
    for (const v of VIEWS) expect(run.views[v], v).toBe(true);
  });

  // ---- what each view must show (colours at known places, curves where the data puts them) ----

  it('3D labels: each phase in its colour, electrolyte above Li above the collector (z up); a phase shown alone is the only colour', async () => {
    await load('labels');
    const all = await glShot();
    const byPhase = classifyPhases(all);
    console.log(`labels: pixels per phase ${JSON.stringify(Object.fromEntries([...byPhase].map(([c, v]) => [c, v.n])))}`);
    for (const code of [1, 2, 3]) expect(byPhase.get(code)?.n ?? 0, `pixels of phase ${code}`).toBeGreaterThan(3000);
    const meanY = (code: number) => byPhase.get(code)!.sumY / byPhase.get(code)!.n;
    // screen y grows downwards: electrolyte (top of the stack) < Li < collector (z = 0 side)
    expect(meanY(2)).toBeLessThan(meanY(1) - 20);
    expect(meanY(1)).toBeLessThan(meanY(3) - 20);

    await load('labels', '&phases=1');
    const li = classifyPhases(await glShot());
    const total = [...li.values()].reduce((a, v) => a + v.n, 0);
    expect(li.get(1)?.n ?? 0).toBeGreaterThan(20000);
    expect(li.get(1)!.n / total).toBeGreaterThan(0.98);
  });

  it('slices: every voxel of the xy, xz and yz planes drawn, in its phase colour, at its place (whole slice, row 0 at the top)', async () => {
    await load('slices', '&overlay=1');
    const img = await glShot();
    const info = (await getJson('api/volume/labels/info')) as { shape: [number, number, number]; spacing_um: [number, number, number] };
    const [nz, ny, nx] = info.shape;
    const [sz, sy, sx] = info.spacing_um;
    const panels = [
      { axis: 'z', index: Math.floor(nz / 2), cols: nx, rows: ny, su: sx, sv: sy },
      { axis: 'y', index: Math.floor(ny / 2), cols: nx, rows: nz, su: sx, sv: sz },
      { axis: 'x', index: Math.floor(nx / 2), cols: ny, rows: nz, su: sy, sv: sz },
    ];
    const seen = new Map<number, number>();
    let checked = 0;
    const bad: string[] = [];
    // mean screen y of the collector (3) and electrolyte (2) cells in the xz plane
    const xzY = new Map<number, { n: number; sum: number }>();
    for (const [i, p] of panels.entries()) {
      const lab = new Uint8Array(await getBytes(`api/slice/labels?axis=${p.axis}&index=${p.index}`));
      const place = placeImage(img, Math.round((i * img.width) / 3), Math.round(((i + 1) * img.width) / 3), p.cols, p.rows, p.su, p.sv);
      for (let r = 0; r < p.rows; r++) {
        for (let c = 0; c < p.cols; c++) {
          const at = place(c, r);
          const code = lab[r * p.cols + c];
          // every code has its colour: the cell's phases and the excluded 5 (outside the cell) and 255
          const colour = phaseColor(code);
          checked++;
          seen.set(code, (seen.get(code) ?? 0) + 1);
          const got = rgbAt(img, at[0], at[1]);
          if (!near(got, colour, 3)) bad.push(`${p.axis} plane cell (${c}, ${r}) label ${code}: ${got} not ${colour}`);
          if (p.axis === 'y') {
            const e = xzY.get(code) ?? { n: 0, sum: 0 };
            xzY.set(code, { n: e.n + 1, sum: e.sum + at[1] });
          }
        }
      }
    }
    console.log(`slices: ${checked} cells checked, per phase ${JSON.stringify(Object.fromEntries(seen))}`);
    expect(bad.slice(0, 5)).toEqual([]);
    // every cell of the three planes, the far columns and rows included
    expect(checked).toBe(nx * ny + nx * nz + ny * nz);
    // z = 0 (the collector side of this cell) at the top of the xz plane, as in the TIFF and the report's slice figure
    const my = (code: number) => xzY.get(code)!.sum / xzY.get(code)!.n;
    expect(my(3)).toBeLessThan(my(2) - 40);
    for (const code of [1, 2, 3, 5]) expect(seen.get(code) ?? 0, `cells of code ${code}`).toBeGreaterThan(300);
    expect(phaseColor(5), 'outside the cell has a colour of its own').not.toEqual(phaseColor(255));
  });

  it('thickness: the surface colour at a place is the report\'s inferno of the thickness there, and the readout gives that thickness', async () => {
    await load('thickness', '&warp=0');
    const img = await glShot();
    const { info, data } = await getMapData('thickness', 512);
    const hi = percentile(data, 0.995);
    const samples: Array<{ got: RGB; want: RGB; t: number }> = [];
    const readoutBad: string[] = [];
    const points: Array<[number, number]> = [];
    for (let y = 6; y < img.height; y += 28) for (let x = 6; x < img.width; x += 28) if (!isWhite(rgbAt(img, x, y))) points.push([x, y]);
    const texts = await session.page.evaluate((pts) => pts.map(([px, py]) => (window as unknown as { buried: { pick(x: number, y: number): string | null } }).buried.pick(px, py)), points);
    for (const [j, [x, y]] of points.entries()) {
      const m = /^x ([\d.e+-]+) µm, y ([\d.e+-]+) µm: Li thickness ([\d.e+-]+) µm$/.exec(texts[j] ?? '');
      if (!m) continue;
      const c = Math.round(Number(m[1]) / info.pixel_um![1]);
      const r = Math.round(Number(m[2]) / info.pixel_um![0]);
      const v = data[r * info.shape[1] + c];
      if (Math.abs(Number(m[3]) - v) > 0.006 * Math.abs(v) + 1e-9) readoutBad.push(`${texts[j]} but the map holds ${v}`);
      // one colour per vertex, blended across each triangle: compare where the neighbours agree
      const nb = [data[r * info.shape[1] + Math.min(c + 1, info.shape[1] - 1)], data[Math.min(r + 1, info.shape[0] - 1) * info.shape[1] + c]];
      if (nb.some((q) => Math.abs(q - v) > 0.03 * hi)) continue;
      samples.push({ got: rgbAt(img, x, y), want: reportColour('inferno', v / hi), t: v / hi });
    }
    const ts = samples.map((q) => q.t).sort((a, b) => a - b);
    console.log(`thickness: ${points.length} points, t ${ts[0]?.toFixed(2)}…${ts.at(-1)?.toFixed(2)} p10 ${ts[Math.floor(ts.length * 0.1)]?.toFixed(2)} p90 ${ts[Math.floor(ts.length * 0.9)]?.toFixed(2)}`);
    expect(readoutBad.slice(0, 3)).toEqual([]);
    expect(samples.length).toBeGreaterThan(50);
    // flat surface (warp 0) under one light: every pixel is the same multiple k of its colour
    const ks = samples.map(({ got, want }) => (got[0] * want[0] + got[1] * want[1] + got[2] * want[2]) / (want[0] ** 2 + want[1] ** 2 + want[2] ** 2)).sort((a, b) => a - b);
    const k = ks[ks.length >> 1];
    const off = samples.filter(({ got, want }) => !near(got, want.map((q) => q * k) as RGB, 14));
    console.log(`thickness: ${samples.length} pixels, light factor ${k.toFixed(3)}, ${off.length} off`);
    expect(k).toBeGreaterThan(0.4);
    expect(k).toBeLessThan(1.3);
    expect(off.length / samples.length).toBeLessThan(0.03);
  });

  it('stripping: each map pixel shows the Li left after the step (the report\'s viridis) or black where the step removed it all, row 0 at the top', async () => {
    const doc = (await getJson('api/file/stripping')) as { rows: Array<{ step: number; removed_depth_um?: number }>; uniform?: { rows: Array<{ step: number; removed_depth_um?: number }> } };
    const rows = (doc.uniform?.rows ?? doc.rows).filter((r) => r.removed_depth_um !== undefined);
    const { info, data } = await getMapData('thickness', 1024);
    const maxT = percentile(data, 0.995);
    for (const step of [0, 20]) {
      await load('strip', `&step=${step}`);
      const img = await glShot();
      const depth = rows[step].removed_depth_um!;
      const [ny, nx] = info.shape;
      const place = placeImage(img, 0, img.width, nx, ny, info.pixel_um![1], info.pixel_um![0]);
      let red = 0;
      let checked = 0;
      const bad: string[] = [];
      for (let r = 0; r < ny; r++) {
        for (let c = 0; c < nx; c++) {
          const at = place(c, r);
          const v = data[r * nx + c];
          const want: RGB = !Number.isFinite(v) || v < 0 ? [150, 150, 150] : v - depth <= 0 ? [0, 0, 0] : reportColour('viridis', (v - depth) / maxT);
          if (v - depth <= 0) red++;
          checked++;
          const got = rgbAt(img, at[0], at[1]);
          if (!near(got, want, 3)) bad.push(`step ${step} pixel (${c}, ${r}) thickness ${v.toFixed(2)} µm: ${got} not ${want.map(Math.round)}`);
        }
      }
      console.log(`strip step ${step} (depth ${depth.toFixed(2)} µm): ${checked} pixels checked, ${red} depleted`);
      expect(bad.slice(0, 5)).toEqual([]);
      expect(checked).toBeGreaterThan(nx * ny * 0.6);
      if (step === 0) expect(red).toBe(0);
      else expect(red).toBeGreaterThan(checked * 0.1);
    }
  });

  it('current: no-contact pixels dark grey, hotspots above the threshold cyan, the rest the report\'s viridis of j / j̄; row 0 at the top', async () => {
    const threshold = 2.5;
    await load('current', `&threshold=${threshold}`);
    const img = await glShot();
    const { info, data } = await getMapData('current_density', 1024);
    const hi = Math.max(percentile(data, 0.999), threshold * 1.05);
    const [ny, nx] = info.shape;
    const place = placeImage(img, 0, img.width, nx, ny, info.pixel_um![1], info.pixel_um![0]);
    const kinds = { none: 0, hot: 0, mapped: 0 };
    const bad: string[] = [];
    for (let r = 0; r < ny; r++) {
      for (let c = 0; c < nx; c++) {
        const at = place(c, r);
        const v = data[r * nx + c];
        // the contact map this run was made with: no contact in the disc and the band
        if (contactAt(r, c) === 0) {
          kinds.none++;
          expect(v, `j at no-contact pixel (${c}, ${r})`).toBe(0);
        }
        const want: RGB = v > threshold ? [0, 230, 255] : v <= 0 ? [60, 60, 60] : reportColour('viridis', v / hi);
        if (v > threshold) kinds.hot++;
        else if (v > 0) kinds.mapped++;
        const got = rgbAt(img, at[0], at[1]);
        if (!near(got, want, 3)) bad.push(`pixel (${c}, ${r}) j/j̄ ${v.toFixed(3)}: ${got} not ${want.map(Math.round)}`);
      }
    }
    console.log(`current: ${JSON.stringify(kinds)}`);
    // the no-contact block of rows 0…5, columns 0…15 is at the top left of the picture
    const [bx, by] = place(7, 2);
    const [ox, oy] = place(7, ny - 3);
    expect(near(rgbAt(img, bx, by), [60, 60, 60], 3)).toBe(true);
    expect(by).toBeLessThan(oy);
    expect(near(rgbAt(img, ox, oy), [60, 60, 60], 3)).toBe(false);
    expect(bx).toBe(ox);
    expect(bad.slice(0, 5)).toEqual([]);
    expect(kinds.none).toBeGreaterThan(500);
    expect(kinds.hot).toBeGreaterThan(20);
    expect(kinds.mapped).toBeGreaterThan(1500);
  });

  it('contact FEM: pressure, gap and current curves drawn where profiles.csv puts them', async () => {
    await load('fem');
    const img = decodePng(await session.page.locator('#chart').screenshot());
    const prof = parseCsv(await (await fetch(`${server.url}api/file/profiles`)).text());
    const xs = prof.col('x_um');
    const pLast = prof.cols('p_mpa_t').at(-1)!;
    const gapAll = prof.cols('gap_um_t');
    const cur = prof.col('current_ratio_end');
    const hw = img.width / 2;
    const hh = img.height / 2;
    const range = (v: number[]) => [Math.min(...v), Math.max(...v)] as const;
    const checks = [
      { name: 'pressure', colour: [0xd6, 0x27, 0x28] as RGB, ox: 0, oy: 0, y2: false, y: pLast, yr: range(prof.cols('p_mpa_t').flat()) },
      { name: 'gap', colour: [0x1f, 0x77, 0xb4] as RGB, ox: hw, oy: 0, y2: true, y: gapAll.at(-1)!, yr: range(gapAll.flat()) },
      { name: 'current', colour: [0x94, 0x67, 0xbd] as RGB, ox: 0, oy: hh, y2: false, y: cur, yr: range(cur) },
    ];
    for (const ch of checks) {
      const frame = chartFrame(hw, hh, ch.y2);
      const px = (x: number) => ch.ox + frame.left + ((x - xs[0]) / (xs.at(-1)! - xs[0])) * (frame.right - frame.left);
      const py = (v: number) => ch.oy + frame.bottom - ((v - ch.yr[0]) / (ch.yr[1] - ch.yr[0])) * (frame.bottom - frame.top);
      // every pixel column the curve spans: a pixel of its colour where the polyline crosses that column
      const yAt = (X: number) => {
        const x = xs[0] + ((X - ch.ox - frame.left) / (frame.right - frame.left)) * (xs.at(-1)! - xs[0]);
        const i = Math.min(xs.length - 2, Math.max(0, xs.findIndex((q) => q > x) - 1));
        return py(ch.y[i] + ((ch.y[i + 1] - ch.y[i]) * (x - xs[i])) / (xs[i + 1] - xs[i]));
      };
      let tried = 0;
      const missing: string[] = [];
      for (let X = Math.ceil(ch.ox + frame.left) + 2; X < ch.ox + frame.right - 2; X++) {
        const [y0, y1] = [yAt(X - 0.5), yAt(X + 0.5)].sort((p, q) => p - q);
        if (y0 < ch.oy + frame.top + 24) continue; // the legend row
        tried++;
        let found = false;
        for (let yy = Math.floor(y0 - 3); yy <= Math.ceil(y1 + 3) && !found; yy++) if (tinted(rgbAt(img, X, yy), ch.colour)) found = true;
        if (!found) missing.push(`(${X}, ${y0.toFixed(1)}…${y1.toFixed(1)})`);
      }
      console.log(`fem ${ch.name}: ${tried} samples, ${missing.length} missing`);
      expect(tried, ch.name).toBeGreaterThan(150);
      expect(missing.length / tried, `${ch.name} curve missing at ${missing.slice(0, 4).join('; ')}`).toBeLessThan(0.05);
    }
    // the pressure peak: the topmost red pixel of the first chart sits at the peak's x
    const f0 = chartFrame(hw, hh, false);
    const peakX = f0.left + ((xs[pLast.indexOf(Math.max(...pLast))] - xs[0]) / (xs.at(-1)! - xs[0])) * (f0.right - f0.left);
    let top: [number, number] | null = null;
    for (let y = 0; y < hh && !top; y++) for (let x = 0; x < hw && !top; x++) if (tinted(rgbAt(img, x, y), [0xd6, 0x27, 0x28])) top = [x, y];
    expect(top).not.toBeNull();
    expect(Math.abs(top![0] - peakX)).toBeLessThan(5);
  });

  it('slices: magenta crosshairs where the other two planes cut each slice, following the sliders', async () => {
    const info = (await getJson('api/volume/labels/info')) as { shape: [number, number, number]; spacing_um: [number, number, number] };
    const [nz, ny, nx] = info.shape;
    const [sz, sy, sx] = info.spacing_um;
    const idx = { z: 30, y: 17, x: 45 };
    await load('slices', `&overlay=1&z=${idx.z}&y=${idx.y}&x=${idx.x}`);
    const check = async (): Promise<void> => {
      const gl = await glShot();
      const img = await shot();
      expect([img.width, img.height]).toEqual([gl.width, gl.height]);
      // plane: its cells, and the column / row index where the other two planes cut it
      const panels = [
        { cols: nx, rows: ny, su: sx, sv: sy, c: idx.x, r: idx.y },
        { cols: nx, rows: nz, su: sx, sv: sz, c: idx.x, r: idx.z },
        { cols: ny, rows: nz, su: sy, sv: sz, c: idx.y, r: idx.z },
      ];
      for (const [i, p] of panels.entries()) {
        const x0 = Math.round((i * img.width) / 3);
        const x1 = Math.round(((i + 1) * img.width) / 3);
        const place = placeImage(gl, x0, x1, p.cols, p.rows, p.su, p.sv);
        const [lx, ty] = place(0, 0);
        const [rx, by] = place(p.cols - 1, p.rows - 1);
        const [cx, cy] = place(p.c, p.r);
        // along the cut column and row (± 1 px), magenta over at least 90 % of the image
        let vHits = 0;
        for (let y = ty; y <= by; y++) if ([-1, 0, 1].some((d) => near(rgbAt(img, cx + d, y), MAGENTA, 10))) vHits++;
        let hHits = 0;
        for (let x = lx; x <= rx; x++) if ([-1, 0, 1].some((d) => near(rgbAt(img, x, cy + d), MAGENTA, 10))) hHits++;
        expect(vHits / (by - ty + 1), `panel ${i} vertical line at column ${p.c}`).toBeGreaterThan(0.9);
        expect(hHits / (rx - lx + 1), `panel ${i} horizontal line at row ${p.r}`).toBeGreaterThan(0.9);
        // and nowhere else in the image (the overlay draws only the two lines there)
        let stray = 0;
        for (let y = ty; y <= by; y++) for (let x = lx; x <= rx; x++) if (Math.abs(x - cx) > 2 && Math.abs(y - cy) > 2 && near(rgbAt(img, x, y), MAGENTA, 10)) stray++;
        expect(stray, `panel ${i} stray crosshair pixels`).toBe(0);
      }
    };
    await check();
    // moving the x slice moves the vertical line of the xy and xz planes
    idx.x = 8;
    await slide('slice-x', idx.x);
    await check();
  });

  it('colour bars mark values above their top with a triangle in the top colour, and only then', async () => {
    const size = await session.page.evaluate(() => [(document.getElementById('overlay') as HTMLCanvasElement).width, (document.getElementById('overlay') as HTMLCanvasElement).height]);
    /** Pixels of the top colour in the triangle's box above a bar whose left top corner is (bx, by) (viewer/src/draw.ts, scale 1). */
    const triangle = (img: Decoded, bx: number, by: number, top: RGB) => {
      let n = 0;
      for (let y = Math.round(by - 13); y < by - 1; y++) for (let x = Math.round(bx); x < bx + 16; x++) if (near(rgbAt(img, x, y), top, 6)) n++;
      return n;
    };
    const s = Math.max(1, Math.min(size[0], size[1]) / 700);
    expect(s).toBe(1);
    // thickness: the bar stops at p99.5 of the map, the thickest 0.5 % lie above it
    const { data } = await getMapData('thickness', 512);
    const hi = percentile(data, 0.995);
    expect(Math.max(...Array.from(data).filter(Number.isFinite))).toBeGreaterThan(hi);
    const thickTop = reportColour('inferno', 1);
    await load('thickness');
    const over = triangle(await shot(), size[0] - 110, 70, thickTop);
    await load('thickness', '&hi=1000');
    const within = triangle(await shot(), size[0] - 110, 70, thickTop);
    console.log(`colour bar triangle: thickness ${over} px over the range, ${within} px with hi = 1000 µm`);
    expect(over).toBeGreaterThan(40);
    expect(within).toBe(0);
    // stripping: at step 0 the remaining Li is the map, above p99.5 in places; at the last step all of it is far below
    const stripX = Math.round(size[0] * 0.47) + 10;
    const viridisTop = reportColour('viridis', 1);
    await load('strip', '&step=0');
    const s0 = triangle(await shot(), stripX, 70, viridisTop);
    await load('strip', '&step=29');
    const sLast = triangle(await shot(), stripX, 70, viridisTop);
    console.log(`colour bar triangle: strip step 0 ${s0} px, step 29 ${sLast} px`);
    expect(s0).toBeGreaterThan(40);
    expect(sLast).toBe(0);
  });

  it('the slice sliders change the picture', async () => {
    await load('slices');
    const before = await shot();
    await slide('slice-z', 5);
    const afterZ = await shot();
    expect(changedFraction(before, afterZ)).toBeGreaterThan(0.05);
    await slide('slice-y', 3);
    const afterY = await shot();
    expect(changedFraction(afterZ, afterY)).toBeGreaterThan(0.02);
    // cursor readout: value and label under the cursor with µm coordinates
    const box = (await session.page.locator('#vtk').boundingBox())!;
    await session.page.mouse.move(box.x + box.width / 6, box.y + box.height / 2);
    const text = await session.page.locator('#readout').textContent();
    expect(text).toMatch(/µm; grey [\d.e+-]+; label \d+ \(/);
  });

  it('the stripping slider changes the depleted area', async () => {
    await load('strip', '&step=0');
    const s0 = await glShot();
    await slide('strip-step', 27);
    const s27 = await glShot();
    expect(changedFraction(s0, s27)).toBeGreaterThan(0.05);
    // black (depleted) pixels grow
    const black = (img: Decoded) => {
      let n = 0;
      for (let i = 0; i < img.width * img.height; i++) {
        const k = i * img.channels;
        if (img.data[k] < 8 && img.data[k + 1] < 8 && img.data[k + 2] < 8) n++;
      }
      return n;
    };
    expect(black(s27)).toBeGreaterThan(black(s0) + 1000);
  });

  it('the clipping box and phase toggles change the 3D picture', async () => {
    await load('labels');
    const a = await shot();
    await slide('clip-z1', 0.4);
    const b = await shot();
    expect(changedFraction(a, b)).toBeGreaterThan(0.02);
  });

  it('exports a PNG of the requested size through the figure path', async () => {
    const png = await captureView(session, server.url, { view: 'current', width: 640, height: 400 });
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([640, 400]);
    expect(lumaVariance(img)).toBeGreaterThan(150);
    // a different size from the same page: the export re-renders at that size
    const url = await session.page.evaluate(() => (window as unknown as { buried: { exportPng(w: number, h: number): Promise<string> } }).buried.exportPng(500, 300));
    const img2 = decodePng(Buffer.from(url.split(',')[1], 'base64'));
    expect([img2.width, img2.height]).toEqual([500, 300]);
  });

  it('buried figure writes the PNG; a missing browser is exit 2 naming apt-get install chromium', async () => {
    const out = path.join(tempDir('buried-fig-'), 'fig.png');
    const run = async (args: string[]) => {
      const p = new Command('buried').exitOverride();
      registerFigure(p);
      const errs: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((c: string | Uint8Array) => (errs.push(String(c)), true)) as typeof process.stderr.write;
      const saved = process.exitCode;
      process.exitCode = 0;
      try {
        await p.parseAsync(['node', 'buried', 'figure', runDir, ...args]);
      } finally {
        process.stderr.write = write;
      }
      const code = process.exitCode;
      process.exitCode = saved;
      return { code, stderr: errs.join('') };
    };
    const ok = await run(['--out', out, '--view', 'thickness', '--size', '320,240', '--browser', CHROMIUM]);
    expect(ok.code, ok.stderr).toBe(0);
    const { readFileSync } = await import('node:fs');
    const img = decodePng(readFileSync(out));
    expect([img.width, img.height]).toEqual([320, 240]);
    const bad = await run(['--out', out, '--browser', '/nonexistent/chromium']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/apt-get install chromium/);
    expect(bad.stderr).toMatch(/--browser/);
  });
});
