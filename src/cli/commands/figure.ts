import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { startViewServer, viewerBuildProblem } from '../../view/server.js';
import { BROWSER_MISSING, captureView, findBrowser, openBrowser, SERIES_VIEWS, VIEWS, type ViewName } from '../../view/browser.js';

const FIGURE_VIEWS: readonly string[] = [...VIEWS, ...SERIES_VIEWS];
import { writeFileAtomically } from '../../io/atomic.js';
import { action, emit } from '../run-command.js';
import { parseMaxDim } from './view.js';

interface FigureFlags {
  out: string;
  view: string;
  size: string;
  browser?: string;
  scan?: string;
  maxDim: string;
  set?: string[];
  json?: boolean;
}

export function parseSize(text: string): [number, number] {
  const m = /^(\d+)\s*[,x×]\s*(\d+)$/.exec(text.trim());
  const w = m ? Number(m[1]) : NaN;
  const h = m ? Number(m[2]) : NaN;
  if (!(w >= 64 && w <= 8192 && h >= 64 && h <= 8192)) throw new InputError(`--size must be W,H in pixels, each 64…8192, got '${text}'`);
  return [w, h];
}

/** Options are `key=value` viewer parameters: z=40, step=20, warp=1, threshold=2, time=1, phases=1,2. */
function parseSet(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const m = /^([a-z_]+)=(.+)$/i.exec(item);
    if (!m) throw new InputError(`--set takes key=value, got '${item}'`);
    out[m[1]] = m[2];
  }
  return out;
}

export function registerFigure(program: Command): void {
  program
    .command('figure')
    .description('render one viewer view of a run directory to PNG with headless Chromium (same path as the viewer\'s export)')
    .argument('<dir>', 'run directory (or a series folder: --view change, --set frame=K)')
    .requiredOption('-o, --out <file.png>', 'PNG to write')
    .option('--view <name>', `view: ${FIGURE_VIEWS.join('|')} (change: a series folder's, with --set frame=K)`, 'labels')
    .option('--size <W,H>', 'image size in pixels', '1200,800')
    .option('--browser <path>', 'Chromium/Chrome executable (default /usr/bin/chromium)')
    .option('--scan <file>', 'grey-level scan (default: the one manifest.json names)')
    .option('--max-dim <n>', 'largest 3D level per axis (≤ 2048)', '512')
    .option('--set <key=value...>', 'viewer settings, e.g. z=40 step=20 warp=2 threshold=2.5 time=1 (frame=K: scan K of a series folder)')
    .option('--json', 'print the summary as JSON on stdout')
    .action(
      action(async (dir: string, flags: FigureFlags) => {
        if (!FIGURE_VIEWS.includes(flags.view)) throw new InputError(`--view must be one of ${FIGURE_VIEWS.join(', ')}, got '${flags.view}'`);
        const [width, height] = parseSize(flags.size);
        const maxDim = parseMaxDim(flags.maxDim);
        const params = parseSet(flags.set);
        const browser = findBrowser(flags.browser);
        if (!browser) throw new InputError(flags.browser ? `--browser ${flags.browser}: no such file; install Chromium with \`apt-get install chromium\` or give a correct --browser PATH` : BROWSER_MISSING);
        const problem = viewerBuildProblem();
        if (problem) throw new InputError(problem);
        if (!/\.png$/i.test(flags.out)) throw new InputError(`--out must name a .png file, got '${flags.out}'`);
        const server = await startViewServer({ dir, scan: flags.scan, maxDim });
        try {
          const views = ((await (await fetch(`${server.url}api/run`)).json()) as { views: Record<string, boolean> }).views;
          if (!views[flags.view]) throw new InputError(`this run has no data for the ${flags.view} view`, dir);
          const session = await openBrowser(browser, width, height);
          let png: Buffer;
          try {
            png = await captureView(session, server.url, { view: flags.view as ViewName, width, height, params });
          } finally {
            await session.close();
          }
          await fs.mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
          await writeFileAtomically(flags.out, png);
          emit(Boolean(flags.json), { out: flags.out, view: flags.view, width, height, bytes: png.length, browser }, `wrote ${flags.out} (${flags.view}, ${width}×${height}, ${(png.length / 1024).toFixed(0)} KiB)`);
        } finally {
          await server.close();
        }
      }),
    );
}
