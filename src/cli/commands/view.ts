import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { startViewServer, viewerBuildProblem } from '../../view/server.js';
import { findBrowser } from '../../view/browser.js';
import { action } from '../run-command.js';

interface ViewFlags {
  port: string;
  open?: boolean;
  scan?: string;
  maxDim: string;
  browser?: string;
}

export function parsePort(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0 || v > 65535) throw new InputError(`--port must be an integer in 0…65535, got '${text}'`);
  return v;
}

export function parseMaxDim(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 16 || v > 2048) throw new InputError(`--max-dim must be an integer in 16…2048 (the 3D-texture limit), got '${text}'`);
  return v;
}

export function registerView(program: Command): void {
  program
    .command('view')
    .description('interactive 3D viewer of a run directory (vtk.js in the browser), served on 127.0.0.1; annotate the slices and retrain (Slices tab: strokes saved to RUN/annotations.tif); on a series folder (buried series), a time slider over its scans')
    .argument('<dir>', 'run directory (output of buried run, or of the stage commands), or a series folder (output of buried series)')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', '8765')
    .option('--open', 'open the viewer in a browser')
    .option('--scan <file>', 'grey-level scan (default: the one manifest.json names, or input/scan.tif)')
    .option('--max-dim <n>', 'largest 3D level per axis in voxels (≤ 2048)', '512')
    .option('--browser <path>', 'browser for --open (default: xdg-open, or Chromium)')
    .action(
      action(async (dir: string, flags: ViewFlags) => {
        const port = parsePort(flags.port);
        const maxDim = parseMaxDim(flags.maxDim);
        const problem = viewerBuildProblem();
        if (problem) throw new InputError(problem);
        const server = await startViewServer({ dir, scan: flags.scan, port, maxDim });
        const info = (await (await fetch(`${server.url}api/run`)).json()) as { views: Record<string, boolean>; series: { frames: unknown[] } | null };
        const views = Object.entries(info.views)
          .filter(([, v]) => v)
          .map(([k]) => k);
        const frames = info.series ? `  series: ${info.series.frames.length} scans (time slider in the header)\n` : '';
        process.stdout.write(`buried viewer for ${server.files.dir}\n  ${server.url}\n  views: ${views.join(', ')}\n${frames}  scan: ${server.files.scan ?? 'none (give --scan FILE)'}\n${server.files.scan && !info.series ? `  annotate: Slices tab → annotate; strokes are saved to ${path.join(server.files.dir, 'annotations.tif')}\n` : ''}(Ctrl-C to stop)\n`);
        if (flags.open) {
          const exe = flags.browser ?? (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open');
          const child = spawn(exe, [server.url], { stdio: 'ignore', detached: true });
          child.on('error', () => {
            const chromium = findBrowser();
            if (chromium) spawn(chromium, [server.url], { stdio: 'ignore', detached: true }).unref();
            else process.stderr.write(`buried: cannot open a browser (${exe}); open ${server.url} yourself\n`);
          });
          child.unref();
        }
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            void server.close().then(resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      }),
    );
}
