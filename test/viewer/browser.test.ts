import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { captureView, openBrowser, type BrowserSession, VIEWS } from '../../src/view/browser.js';
import { registerFigure } from '../../src/cli/commands/figure.js';
import { requireAvailable, tempDir } from '../helpers.js';
import { changedFraction, colourCount, decodePng, ensureViewerBuilt, lumaVariance, noChromium, makePhantomRun, CHROMIUM, type Decoded } from './helpers.js';

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
    runDir = await makePhantomRun(path.join(tempDir('buried-view-run-'), 'run'), { shape: [96, 64, 64], stripSteps: 30 });
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

  it('has data for every view', async () => {
    const run = (await (await fetch(`${server.url}api/run`)).json()) as { views: Record<string, boolean> };
    for (const v of VIEWS) expect(run.views[v], v).toBe(true);
  });

  for (const view of VIEWS) {
    it(`renders the ${view} view (non-blank)`, async () => {
      await load(view);
      const img = await shot();
      const variance = lumaVariance(img);
      const colours = colourCount(img);
      console.log(`${view}: luma variance ${variance.toFixed(0)}, ${colours} colours`);
      expect(variance).toBeGreaterThan(150);
      expect(colours).toBeGreaterThan(20);
      if (view === 'labels' || view === 'slices' || view === 'thickness') {
        // the WebGL canvas itself is not blank (not only the 2D overlays)
        const gl = decodePng(await session.page.locator('#vtk canvas').screenshot());
        expect(lumaVariance(gl)).toBeGreaterThan(100);
      }
    });
  }

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
    const s0 = await shot();
    await slide('strip-step', 27);
    const s27 = await shot();
    expect(changedFraction(s0, s27)).toBeGreaterThan(0.05);
    // red (depleted) pixels grow
    const red = (img: Decoded) => {
      let n = 0;
      for (let i = 0; i < img.width * img.height; i++) {
        const k = i * img.channels;
        if (img.data[k] > 200 && img.data[k + 1] < 70 && img.data[k + 2] < 70) n++;
      }
      return n;
    };
    expect(red(s27)).toBeGreaterThan(red(s0) + 1000);
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
