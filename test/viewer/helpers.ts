import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { decode } from 'fast-png';
import { missingFiles, REPO } from '../helpers.js';
export { makePhantomRun } from './phantom-run.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Why the browser tests cannot run (Debian package chromium), or null. */
export const noChromium = missingFiles(CHROMIUM);

/** Build viewer/dist when it is missing (the package's prepare step normally does it). */
export function ensureViewerBuilt(): void {
  if (existsSync(path.join(REPO, 'viewer', 'dist', 'index.html'))) return;
  execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'viewer'], { cwd: REPO, stdio: 'inherit' });
}

export interface Decoded {
  width: number;
  height: number;
  channels: number;
  data: ArrayLike<number>;
}
export function decodePng(bytes: Uint8Array): Decoded {
  const img = decode(bytes);
  return { width: img.width, height: img.height, channels: img.channels, data: img.data as ArrayLike<number> };
}

/** Variance of the luminance (0…255²). A blank or single-colour image gives ~0. */
export function lumaVariance(img: Decoded): number {
  const n = img.width * img.height;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const k = i * img.channels;
    const y = img.channels >= 3 ? 0.299 * img.data[k] + 0.587 * img.data[k + 1] + 0.114 * img.data[k + 2] : img.data[k];
    s += y;
    s2 += y * y;
  }
  const m = s / n;
  return s2 / n - m * m;
}

/** Fraction of pixels whose RGB differs by more than `tol` in any channel. */
export function changedFraction(a: Decoded, b: Decoded, tol = 8): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  const n = a.width * a.height;
  let c = 0;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < Math.min(3, a.channels); ch++) {
      if (Math.abs(a.data[i * a.channels + ch] - b.data[i * b.channels + ch]) > tol) {
        c++;
        break;
      }
    }
  }
  return c / n;
}

/** Number of distinct colours (quantised to 4 bits per channel), a second guard against flat images. */
export function colourCount(img: Decoded): number {
  const seen = new Set<number>();
  for (let i = 0; i < img.width * img.height; i++) {
    const k = i * img.channels;
    seen.add(((img.data[k] >> 4) << 8) | ((img.data[k + 1] >> 4) << 4) | (img.data[k + 2] >> 4));
  }
  return seen.size;
}
