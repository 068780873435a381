/**
 * `buried view` on a series folder (issue #21 point 5): api/run lists the frames (scan 0, then the
 * registered scan<k>/ with labels, change map and charge from series.json), the volume / slice /
 * map routes serve frame k's files (?frame=k, checked against the files themselves), and in
 * headless Chromium the header's time slider swaps the frame without reloading the page.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadVolume } from '../../src/io/open.js';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { openBrowser, type BrowserSession } from '../../src/view/browser.js';
import { cli, requireAvailable, tempDir } from '../helpers.js';
import { changedFraction, decodePng, ensureViewerBuilt, noChromium, CHROMIUM } from './helpers.js';

interface Frame { index: number; charge_mah_cm2: number | null; scan: string | null; labels: string | null; change: string | null }
interface RunInfo { annotate: boolean; views: Record<string, boolean>; series: { transform: string; frames: Frame[] } | null }

const SHAPE = [48, 64, 64];
let dir = '';
let syn = '';
let server: ViewServer;

beforeAll(async () => {
  const root = tempDir('buried-view-series-');
  syn = path.join(root, 'syn');
  dir = path.join(root, 'series');
  const s = cli(['synth', syn, '--series', '3', '--shape', SHAPE.join(','), '--seed', '4']);
  expect(s.status, s.stderr).toBe(0);
  const labels = [0, 1, 2].map((k) => path.join(syn, `labels${k}.tif`)).join(',');
  const r = cli(['series', ...[0, 1, 2].map((k) => path.join(syn, `scan${k}.tif`)), '--labels', labels, '--charge', '0,0.5,1', '-o', dir]);
  expect(r.status, r.stderr).toBe(0);
  ensureViewerBuilt();
  server = await startViewServer({ dir });
}, 180_000);
afterAll(async () => server?.close());

const get = async (route: string) => fetch(`${server.url}${route}`);
const zSlice = async (file: string, z: number): Promise<Float32Array> => {
  const v = await loadVolume(file);
  const [, ny, nx] = v.shape;
  return Float32Array.from((v.data as ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }).subarray(z * ny * nx, (z + 1) * ny * nx));
};

describe('view server on a series folder', () => {
  it('api/run lists the frames in time order with their files and charge; the change view is offered, annotating is not', async () => {
    const run = (await (await get('api/run')).json()) as RunInfo;
    expect(run.series?.transform).toBe('rigid');
    const frames = run.series!.frames;
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2]);
    expect(frames.map((f) => f.charge_mah_cm2)).toEqual([0, 0.5, 1]);
    expect(path.resolve(dir, frames[0].scan!)).toBe(path.join(syn, 'scan0.tif'));
    expect(frames[0].labels).toBe(path.join('scan0', 'labels.tif'));
    expect(frames[0].change).toBeNull();
    for (const k of [1, 2]) {
      expect(frames[k].scan).toBe(path.join(`scan${k}`, 'scan.tif'));
      expect(frames[k].labels).toBe(path.join(`scan${k}`, 'labels.tif'));
      expect(frames[k].change).toBe(path.join(`scan${k}`, 'thickness_change_um.tif'));
    }
    expect(run.views).toMatchObject({ labels: true, slices: true, change: true, thickness: false });
    expect(run.annotate).toBe(false);
  });

  it('?frame=k serves frame k: slices equal to the files, labels of scan 0 equal to its own, the change map; bad frames 400 / 404', async () => {
    const z = 20;
    const files = [path.join(syn, 'scan0.tif'), path.join(dir, 'scan1', 'scan.tif'), path.join(dir, 'scan2', 'scan.tif')];
    const served: Float32Array[] = [];
    for (const k of [0, 1, 2]) {
      const res = await get(`api/slice/scan?axis=z&index=${z}&frame=${k}`);
      expect(res.status).toBe(200);
      const got = new Float32Array(await res.arrayBuffer());
      expect(Array.from(got)).toEqual(Array.from(await zSlice(files[k], z)));
      served.push(got);
    }
    // without ?frame: scan 0
    expect(Array.from(new Float32Array(await (await get(`api/slice/scan?axis=z&index=${z}`)).arrayBuffer()))).toEqual(Array.from(served[0]));
    // the three frames are different pictures (fresh noise, stripping), so the parameter is not ignored
    expect(served[1].some((v, i) => v !== served[2][i])).toBe(true);
    // scan 0's labels: the file given to buried series, written beside the registered ones
    const lab0 = new Uint8Array(await (await get(`api/slice/labels?axis=z&index=${z}&frame=0`)).arrayBuffer());
    expect(Array.from(lab0)).toEqual(Array.from(await zSlice(path.join(syn, 'labels0.tif'), z)));
    const info = (await (await get('api/volume/labels/info?frame=2')).json()) as { file: string; shape: number[] };
    expect(info.file).toBe(path.join('scan2', 'labels.tif'));
    expect(info.shape).toEqual(SHAPE);
    // the change map of frame 2, as written by buried series
    const mapInfo = (await (await get('api/map/thickness_change/info?frame=2')).json()) as { full_shape: number[]; file: string };
    expect(mapInfo.file).toBe(path.join('scan2', 'thickness_change_um.tif'));
    const map = new Float32Array(await (await get('api/map/thickness_change?frame=2&max=2048')).arrayBuffer());
    expect(Array.from(map)).toEqual(Array.from(await zSlice(path.join(dir, 'scan2', 'thickness_change_um.tif'), 0)));
    expect((await get('api/map/thickness_change?frame=0')).status).toBe(404);
    for (const bad of ['3', '-1', '1.5', 'x', '']) expect((await get(`api/slice/scan?axis=z&index=0&frame=${bad}`)).status, bad).toBe(400);
  });
});

describe('time slider in headless Chromium', () => {
  let session: BrowserSession;
  beforeEach((ctx) => requireAvailable(ctx, noChromium));
  beforeAll(async () => {
    if (noChromium) return;
    session = await openBrowser(CHROMIUM, 900, 560);
  }, 60_000);
  afterAll(async () => session?.close());

  async function waitReady(): Promise<void> {
    await session.page.waitForFunction(() => (window as unknown as { __buriedReady?: boolean; __buriedError?: string }).__buriedReady === true || Boolean((window as unknown as { __buriedError?: string }).__buriedError), undefined, { timeout: 45_000 });
    expect(await session.page.evaluate(() => (window as unknown as { __buriedError?: string }).__buriedError ?? null)).toBeNull();
  }
  async function slideTime(k: number): Promise<void> {
    await session.page.evaluate((v) => {
      const el = document.getElementById('time') as HTMLInputElement;
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, k);
    await waitReady();
    await session.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  const frameShown = () => session.page.evaluate(() => (window as unknown as { buried: { frame: number } }).buried.frame);
  const shot = async () => decodePng(await session.page.locator('#stage').screenshot());

  it('moving the slider loads frame k (requests with frame=k, label with its charge) and changes the picture, the page stays', async () => {
    const requested: string[] = [];
    session.page.on('request', (r) => requested.push(r.url()));
    await session.page.goto(`${server.url}?view=slices`);
    await waitReady();
    await session.page.evaluate(() => void ((window as unknown as { stay?: number }).stay = 1));
    expect(await frameShown()).toBe(0);
    expect(await session.page.locator('#time-label').textContent()).toBe('scan 0 of 2 · 0 mAh/cm²');
    const before = await shot();
    requested.length = 0;
    await slideTime(2);
    expect(await frameShown()).toBe(2);
    expect(await session.page.locator('#time-label').textContent()).toBe('scan 2 of 2 · 1 mAh/cm²');
    expect(requested.some((u) => /api\/slice\/scan\?.*frame=2/.test(u))).toBe(true);
    expect(requested.some((u) => /api\/slice\/labels\?.*frame=2/.test(u))).toBe(true);
    // the same page (no reload): the marker set before the slide is still there
    expect(await session.page.evaluate(() => (window as unknown as { stay?: number }).stay)).toBe(1);
    const after = await shot();
    expect(changedFraction(before, after)).toBeGreaterThan(0.02);
    // the change tab follows the slider: frame 1 and 2 maps differ (more Li stripped at scan 2)
    await session.page.click('#tab-change');
    await waitReady();
    const c2 = await shot();
    await slideTime(1);
    expect(requested.some((u) => /api\/map\/thickness_change\?.*frame=1/.test(u))).toBe(true);
    const c1 = await shot();
    expect(changedFraction(c1, c2)).toBeGreaterThan(0.02);
    expect(await session.page.evaluate(() => (window as unknown as { buried: { view: string } }).buried.view)).toBe('change');
  });

  it('buried figure --view change --set frame=K: frame 2 is mostly the stripped (blue) colour, frame 0 (the reference) has none', () => {
    const blueShare = (file: string): number => {
      const img = decodePng(readFileSync(file));
      let blue = 0;
      for (let i = 0; i < img.width * img.height; i++) {
        const k = i * img.channels;
        if (img.data[k + 2] - img.data[k] > 40) blue++;
      }
      return blue / (img.width * img.height);
    };
    const out = (k: number) => path.join(dir, `change-${k}.png`);
    for (const k of [0, 2]) {
      const r = cli(['figure', dir, '--view', 'change', '--set', `frame=${k}`, '--size', '400,300', '-o', out(k)]);
      expect(r.status, r.stderr).toBe(0);
    }
    expect(blueShare(out(2))).toBeGreaterThan(0.15);
    expect(blueShare(out(0))).toBeLessThan(0.01);
  });

  it('3D labels: the viewpoint the user turned to stays when the slider moves to another frame and back', async () => {
    await session.page.goto(`${server.url}?view=labels`);
    await waitReady();
    const fresh = await shot();
    // turn the cell with the mouse (trackball: a drag across the stage)
    const box = (await session.page.locator('#vtk').boundingBox())!;
    await session.page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
    await session.page.mouse.down();
    await session.page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.35, { steps: 8 });
    await session.page.mouse.up();
    await session.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const turned = await shot();
    expect(changedFraction(fresh, turned)).toBeGreaterThan(0.05);
    await slideTime(1);
    await slideTime(0);
    const back = await shot();
    expect(changedFraction(turned, back)).toBeLessThan(0.01);
    expect(changedFraction(fresh, back)).toBeGreaterThan(0.05);
  });
});
