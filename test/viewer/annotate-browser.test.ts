/**
 * Annotate mode in the real page (headless Chromium): a horizontal drag with the Li brush of radius
 * 2 on the xy slice saves exactly a capsule of voxels into the run's annotations.tif (rows z = the
 * slice shown, 5 rows, 5(L + 1) + 8 voxels for a drag over L + 1 columns: the closed form of
 * brush.test.ts), the page has the token the server put into it, Undo takes the stroke back on disk,
 * and a folder that is not a `buried run` folder shows Retrain disabled with the reason.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireAvailable, tempDir } from '../helpers.js';
import { ensureViewerBuilt, noChromium, CHROMIUM } from './helpers.js';
import { openBrowser, type BrowserSession } from '../../src/view/browser.js';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { generatePhantom } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';

const shape: [number, number, number] = [24, 40, 40];
const [nz, ny, nx] = shape;
const dir = tempDir('buried-annotate-page-');
let server: ViewServer | null = null;
let session: BrowserSession | null = null;

beforeAll(async () => {
  if (noChromium) return;
  ensureViewerBuilt();
  const ph = generatePhantom({ preset: 'symmetric', seed: 5, shape });
  mkdirSync(path.join(dir, 'input'), { recursive: true });
  mkdirSync(path.join(dir, 'segment'), { recursive: true });
  await writeTiff(path.join(dir, 'input', 'scan.tif'), ph.scan);
  await writeTiff(path.join(dir, 'segment', 'labels.tif'), ph.labels);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ input: 'input/scan.tif' }));
  server = await startViewServer({ dir });
  session = await openBrowser(CHROMIUM, 1200, 520);
}, 120_000);
afterAll(async () => {
  await session?.close();
  await server?.close();
});
beforeEach((ctx) => requireAvailable(ctx, noChromium));

const annotated = async () => {
  const v = (await loadVolume(path.join(dir, 'annotations.tif'))).data as Uint8Array;
  const out: Array<[number, number, number, number]> = [];
  for (let i = 0; i < v.length; i++) if (v[i]) out.push([Math.floor(i / (ny * nx)), Math.floor(i / nx) % ny, i % nx, v[i]]);
  return out;
};

describe('viewer: annotate mode', () => {
  it('a drag with the Li brush saves a capsule of voxels on the slice shown; undo takes it back', async () => {
    const page = session!.page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server!.url}?view=slices`, { waitUntil: 'load' });
    await page.waitForFunction(() => (globalThis as unknown as { __buriedReady?: boolean }).__buriedReady === true || Boolean((globalThis as unknown as { __buriedError?: string }).__buriedError), undefined, { timeout: 60_000 });
    expect(errors).toEqual([]);
    expect(await page.locator('meta[name="buried-token"]').getAttribute('content')).toMatch(/^[0-9a-f]{64}$/);
    // not a folder of buried run: no retrain, and the page says why
    expect(await page.locator('#retrain').isDisabled()).toBe(true);
    expect(await page.locator('#annotate-status').textContent()).toContain('Retrain unavailable');
    await page.locator('#annotate-on').check();
    await page.locator('#annotate-phases button[data-value="2"]').click();
    await page.locator('#annotate-radius').fill('2');
    await page.locator('#annotate-radius').dispatchEvent('input');
    const box = (await page.locator('#vtk').boundingBox())!;
    // the xy plane fills the left third, its image centred: drag across its middle row
    const y = box.y + box.height / 2;
    const x0 = box.x + box.width / 6 - 30;
    await page.mouse.move(x0, y);
    await page.mouse.down();
    await page.mouse.move(x0 + 60, y, { steps: 6 });
    await page.mouse.up();
    await expect.poll(() => existsSync(path.join(dir, 'annotations.tif')), { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => (await page.locator('#annotate-status').textContent()) ?? '', { timeout: 10_000 }).toContain('saved');
    const vox = await annotated();
    expect(new Set(vox.map((v) => v[0]))).toEqual(new Set([Math.floor(nz / 2)]));
    expect(new Set(vox.map((v) => v[3]))).toEqual(new Set([2]));
    const rows = vox.map((v) => v[1]);
    const cols = vox.map((v) => v[2]);
    expect(Math.max(...rows) - Math.min(...rows) + 1).toBe(5);
    const span = Math.max(...cols) - Math.min(...cols) + 1;
    expect(span).toBeGreaterThan(10);
    // a horizontal capsule of radius 2 over L + 1 centre columns (span = L + 1 + 4): 5(L + 1) + 8 voxels
    expect(vox.length).toBe(5 * (span - 4) + 8);
    await page.locator('#annotate-undo').click();
    await expect.poll(async () => (await annotated()).length, { timeout: 10_000 }).toBe(0);
    expect(errors).toEqual([]);
  });
});
