import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../io/errors.js';

/** Where Debian/Ubuntu and other distributions put Chromium. Never downloaded. */
export const BROWSER_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export const BROWSER_MISSING = 'no Chromium found (looked for /usr/bin/chromium, chromium-browser, google-chrome): install it with `apt-get install chromium` or give --browser PATH';

/** An explicit path, $BURIED_BROWSER, or the first installed candidate; null when none. */
export function findBrowser(explicit?: string): string | null {
  if (explicit) return existsSync(explicit) ? explicit : null;
  const env = process.env.BURIED_BROWSER;
  if (env && existsSync(env)) return env;
  return BROWSER_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Flags for headless Chromium with software WebGL2 (SwiftShader through ANGLE), no network chatter. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export interface BrowserSession {
  // playwright-core types are a devDependency; keep this module loadable without them at type level
  page: import('playwright-core').Page;
  close(): Promise<void>;
}

/** Launch headless Chromium with a fresh profile and one page of the given size. */
export async function openBrowser(executable: string, width: number, height: number): Promise<BrowserSession> {
  let pw: typeof import('playwright-core');
  try {
    pw = await import('playwright-core');
  } catch {
    throw new InputError('playwright-core is not installed (npm install playwright-core) — it drives the browser for figures');
  }
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'buried-chromium-'));
  const context = await pw.chromium.launchPersistentContext(userDir, {
    executablePath: executable,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    close: async () => {
      await context.close();
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}

export const VIEWS = ['labels', 'slices', 'thickness', 'strip', 'current', 'fem'] as const;
/** Views of a series folder only (buried series): the thickness change from scan 0 of frame k (?frame=k). */
export const SERIES_VIEWS = ['change'] as const;
export type ViewName = (typeof VIEWS)[number] | (typeof SERIES_VIEWS)[number];

export interface CaptureOptions {
  view: ViewName;
  width: number;
  height: number;
  /** Extra viewer URL parameters (e.g. step, z, warp, threshold, max). */
  params?: Record<string, string | number>;
  timeoutMs?: number;
}

/**
 * Load the viewer in figure mode, wait for its render-complete signal (window.__buriedReady) and
 * return the PNG the viewer's own export makes (the same code path as its Export button).
 */
export async function captureView(session: BrowserSession, baseUrl: string, options: CaptureOptions): Promise<Buffer> {
  const { page } = session;
  const q = new URLSearchParams({ view: options.view, figure: '1', ...Object.fromEntries(Object.entries(options.params ?? {}).map(([k, v]) => [k, String(v)])) });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: options.width, height: options.height });
  await page.goto(`${baseUrl}?${q}`, { waitUntil: 'load' });
  try {
    await page.waitForFunction(() => (globalThis as unknown as { __buriedReady?: boolean }).__buriedReady === true || Boolean((globalThis as unknown as { __buriedError?: string }).__buriedError), undefined, {
      timeout: options.timeoutMs ?? 60_000,
    });
  } catch {
    throw new Error(`the viewer did not signal render-complete in time${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
  }
  const failure = await page.evaluate(() => (globalThis as unknown as { __buriedError?: string }).__buriedError ?? null);
  if (failure) throw new InputError(`viewer: ${failure}`);
  const dataUrl = await page.evaluate(
    ([w, h]) => (globalThis as unknown as { buried: { exportPng(w: number, h: number): Promise<string> } }).buried.exportPng(w, h),
    [options.width, options.height] as const,
  );
  const m = /^data:image\/png;base64,(.*)$/.exec(dataUrl);
  if (!m) throw new Error('the viewer export returned no PNG');
  return Buffer.from(m[1], 'base64');
}
