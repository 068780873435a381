import { createReadStream, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../io/errors.js';
import { openVolume, readVolume } from '../io/open.js';
import type { VolumeSource } from '../io/source.js';
import { bytesPerVoxel, voxelCount, type Volume, type VoxelArray } from '../io/volume.js';
import { clampMaxDim, DEFAULT_MAX_DIM, downsampleMap, downsampleSource, levelFor, type Level } from './downsample.js';
import { storedPyramidLevel, type StoredLevel } from './pyramid.js';
import { discoverRun, type RunFiles } from './run-dir.js';
import { discoverSeries, seriesRunFiles } from './series-dir.js';
import { AnnotationStore, EditError } from './annotations.js';
import { planRetrain, Retrainer, runInputAnnotations } from './retrain.js';
import { checkWrite, newToken, readBody, withToken, WriteRefused } from './write-guard.js';

export interface ViewServerOptions {
  /** Run directory (output of `buried run` or of the stage commands). */
  dir: string;
  /** Grey-level scan, when the run's manifest does not name it. */
  scan?: string;
  /** 0 (default) = any free port. */
  port?: number;
  /** Default per-axis size of the 3D level (≤ 2048). */
  maxDim?: number;
  /** Folder holding the built viewer (default: the package's viewer/dist). */
  viewerDir?: string;
  /** Volumes up to this many bytes are held whole in memory for x/y slices (default 1 GiB). */
  cacheBytes?: number;
  /**
   * Connection limits in ms (defaults: headers 10 s, whole request 30 s, idle keep-alive 5 s): a
   * client that sends half its headers is answered 408 and dropped after `headersMs`.
   */
  timeouts?: { headersMs?: number; requestMs?: number; keepAliveMs?: number };
  /** Largest body a write may send (default 16 MiB: about 800 000 edit runs; the page splits bigger edits). */
  writeLimitBytes?: number;
}

export interface ViewServer {
  url: string;
  port: number;
  /** The address the socket is bound to (127.0.0.1: reachable from this machine only). */
  host: string;
  files: RunFiles;
  /** The limits the HTTP server runs with (read back from it), ms. */
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
  close(): Promise<void>;
}

/** The package root (holds package.json named buried-li), found from this module in src/ or dist/src/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'buried-li') return dir;
      } catch {
        /* keep looking */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the buried-li package root');
    dir = up;
  }
}

export function defaultViewerDir(): string {
  return path.join(packageRoot(), 'viewer', 'dist');
}

/** Is the built viewer there? Returns the reason when it is not. */
export function viewerBuildProblem(viewerDir = defaultViewerDir()): string | null {
  return existsSync(path.join(viewerDir, 'index.html'))
    ? null
    : `the viewer is not built (${viewerDir}/index.html missing): run 'npx vite build viewer' in the package folder`;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
};

type VolumeName = 'labels' | 'scan';
type MapName = 'thickness' | 'surface_height' | 'penetration' | 'current_density';
/** A series frame's Li thickness change from scan 0 (scan<k>/thickness_change_um.tif). */
const CHANGE_MAP = 'thickness_change';
const MAP_FILES: Record<MapName, keyof RunFiles> = {
  thickness: 'thickness',
  surface_height: 'surface_height',
  penetration: 'penetration',
  current_density: 'current_density',
};
const TEXT_FILES: Record<string, keyof RunFiles> = {
  segment: 'segment_json',
  thickness: 'thickness_json',
  stripping: 'stripping_json',
  current: 'current_json',
  contact: 'contact_json',
  contact_csv: 'contact_csv',
  profiles: 'profiles_csv',
  manifest: 'manifest',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Is the Host header this server's own name (127.0.0.1 or localhost, with our port or none)? A
 * page on another site that rebinds its DNS name to 127.0.0.1 sends its own name: refused.
 */
export function isLocalHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const m = /^(127\.0\.0\.1|localhost)(?::(\d+))?$/i.exec(host.trim());
  return Boolean(m) && (m![2] === undefined || Number(m![2]) === port);
}

/** `p` resolved through every symlink, when that is a regular file inside `root` (itself resolved); else null. */
export function realFileInside(root: string, p: string): string | null {
  try {
    const real = realpathSync(p);
    const top = realpathSync(root);
    if (!real.startsWith(top + path.sep)) return null;
    return statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

function toBytes(a: VoxelArray | Uint8Array | Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function float32Of(a: VoxelArray): Float32Array {
  return a instanceof Float32Array ? a : Float32Array.from(a as ArrayLike<number>);
}

/**
 * Serve the viewer and a run directory's outputs on 127.0.0.1. Volumes are read with the project's
 * readers and served as raw little-endian typed arrays; the 3D level is downsampled here (mode for
 * labels, mean for grey), slices come at full resolution.
 */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  // a series folder (series.json): frames over time, each with its scan, labels and change map
  const series = discoverSeries(options.dir);
  const files = series ? seriesRunFiles(series, options.scan) : discoverRun(options.dir, { scan: options.scan });
  const viewerDir = path.resolve(options.viewerDir ?? defaultViewerDir());
  const defaultMax = clampMaxDim(options.maxDim ?? DEFAULT_MAX_DIM);
  const cacheBytes = options.cacheBytes ?? 1 << 30;

  const writeLimit = options.writeLimitBytes ?? 16 << 20;
  // per session: the page gets it inside index.html, every write must send it back
  const token = newToken();

  const sources = new Map<string, Promise<VolumeSource>>();
  const wholes = new Map<string, Promise<Volume>>();
  const levels = new Map<string, Promise<Uint8Array | Float32Array>>();

  /** A file of the run folder, as long as it is (still) a regular file whose real path lies inside the folder. */
  const runFile = (p: string): string => {
    const real = realFileInside(files.dir, p);
    if (!real) throw new HttpError(403, `${path.relative(files.dir, p)} is not a regular file inside the run folder`);
    return real;
  };
  /** The frame a request names (?frame=k, default 0); a folder that is not a series has frame 0 only. */
  const frameOf = (url: URL): number => {
    const f = url.searchParams.get('frame');
    if (f === null) return 0;
    const n = series ? series.frames.length : 1;
    const k = Number(f);
    if (f.trim() === '' || !Number.isInteger(k) || k < 0 || k >= n) throw new HttpError(400, `frame must be an integer in 0…${n - 1}${series ? '' : ' (this folder is not a series)'}, got '${f}'`);
    return k;
  };
  const pathOf = (name: VolumeName, frame = 0): string => {
    if (series && frame > 0) {
      const p = series.frames[frame][name];
      if (!p) throw new HttpError(404, `no ${name} volume for frame ${frame} (scan${frame}/${name}.tif)`);
      return runFile(p);
    }
    const p = name === 'labels' ? files.labels : files.scan;
    if (!p) throw new HttpError(404, `no ${name} volume in this run`);
    // the scan is named by the user (--scan) or the run's manifest and may lie elsewhere
    return name === 'labels' ? runFile(p) : p;
  };
  const source = (p: string): Promise<VolumeSource> => {
    let s = sources.get(p);
    if (!s) {
      s = openVolume(p);
      s.catch(() => sources.delete(p));
      sources.set(p, s);
    }
    return s;
  };
  const whole = async (p: string): Promise<Volume> => {
    let w = wholes.get(p);
    if (!w) {
      w = source(p).then((s) => readVolume(s));
      w.catch(() => wholes.delete(p));
      wholes.set(p, w);
    }
    return w;
  };
  const maxParam = (url: URL): number => {
    const m = url.searchParams.get('max');
    if (m === null) return defaultMax;
    const v = Number(m);
    if (!Number.isFinite(v) || v < 1) throw new HttpError(400, `max must be a positive number, got '${m}'`);
    return clampMaxDim(v);
  };

  const storedLevels = new Map<string, Promise<StoredLevel | null>>();
  /** The 3D level: a stored Zarr pyramid level when one fits, else block-downsampled from full resolution. */
  const levelOf = async (p: string, s: VolumeSource, max: number): Promise<{ level: Level; stored: StoredLevel | null }> => {
    const key = `${p}|${max}`;
    let st = storedLevels.get(key);
    if (!st) {
      st = storedPyramidLevel(p, s, max);
      storedLevels.set(key, st);
    }
    const stored = await st;
    return { level: stored ? stored.level : levelFor(s.shape, s.spacing, max), stored };
  };

  async function volumeInfo(name: VolumeName, max: number, frame = 0) {
    const p = pathOf(name, frame);
    const s = await source(p);
    const { level, stored } = await levelOf(p, s, max);
    return {
      name,
      file: path.relative(files.dir, s.path) || s.path,
      dtype: s.dtype,
      shape: s.shape,
      spacing_um: s.spacing,
      level: { ...level, spacing_um: level.spacing, dtype: name === 'labels' ? 'uint8' : 'float32', max, from: stored ? `stored pyramid level ${stored.index}` : 'downsampled from full resolution' },
      slice_dtype: name === 'labels' ? 'uint8' : 'float32',
    };
  }

  async function volumeLevel(name: VolumeName, max: number, frame = 0): Promise<Buffer> {
    const p = pathOf(name, frame);
    const s = await source(p);
    if (name === 'labels' && s.dtype !== 'uint8') throw new HttpError(422, `labels must be uint8 (got ${s.dtype})`);
    const { level, stored } = await levelOf(p, s, max);
    const key = `${p}|${level.shape.join(',')}`;
    let l = levels.get(key);
    if (!l) {
      l = stored
        ? readVolume(stored.source).then((v) => (name === 'labels' ? (v.data as Uint8Array) : float32Of(v.data)))
        : downsampleSource(s, level, name === 'labels' ? 'mode' : 'mean');
      l.catch(() => levels.delete(key));
      levels.set(key, l);
    }
    return toBytes(await l);
  }

  async function slice(name: VolumeName, axis: string, index: number, frame = 0): Promise<{ bytes: Buffer; shape: [number, number] }> {
    const p = pathOf(name, frame);
    const s = await source(p);
    const [nz, ny, nx] = s.shape;
    const n = axis === 'z' ? nz : axis === 'y' ? ny : axis === 'x' ? nx : -1;
    if (n < 0) throw new HttpError(400, `axis must be x, y or z, got '${axis}'`);
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new HttpError(400, `index must be an integer in 0…${n - 1}`);
    const conv = (a: VoxelArray) => (name === 'labels' ? (a as Uint8Array) : float32Of(a));
    if (axis === 'z') return { bytes: toBytes(conv(await s.readSlices(index, index + 1))), shape: [ny, nx] };
    const rows = nz;
    const cols = axis === 'y' ? nx : ny;
    const out = name === 'labels' ? new Uint8Array(rows * cols) : new Float32Array(rows * cols);
    const fill = (data: VoxelArray, z0: number, z1: number) => {
      for (let z = z0; z < z1; z++) {
        const base = (z - z0) * ny * nx;
        if (axis === 'y') for (let x = 0; x < nx; x++) out[z * cols + x] = data[base + index * nx + x] as number;
        else for (let y = 0; y < ny; y++) out[z * cols + y] = data[base + y * nx + index] as number;
      }
    };
    if (voxelCount(s.shape) * bytesPerVoxel(s.dtype) <= cacheBytes) {
      fill((await whole(p)).data, 0, nz);
    } else {
      const step = Math.max(1, Math.floor((64 << 20) / (ny * nx * bytesPerVoxel(s.dtype))));
      for (let z = 0; z < nz; z += step) {
        const z1 = Math.min(nz, z + step);
        fill(await s.readSlices(z, z1), z, z1);
      }
    }
    return { bytes: toBytes(out), shape: [rows, cols] };
  }

  async function map(name: MapName | typeof CHANGE_MAP, max: number, frame = 0) {
    const f = name === CHANGE_MAP ? (series?.frames[frame].change ?? null) : (files[MAP_FILES[name]] as string | null);
    if (!f) throw new HttpError(404, name === CHANGE_MAP ? `no thickness change map for frame ${frame} (scan 0 is the reference; later scans have scan<k>/thickness_change_um.tif)` : `no ${name} map in this run`);
    const p = runFile(f);
    const s = await source(p);
    const [nz, ny, nx] = s.shape;
    if (nz !== 1) throw new HttpError(422, `${name} map must be a single slice, got ${s.shape.join('×')}`);
    const data = await s.readSlices(0, 1);
    const d = downsampleMap(data as ArrayLike<number>, ny, nx, Math.min(max, 2048));
    const spacing = s.spacing;
    return {
      info: {
        name,
        file: path.relative(files.dir, p),
        full_shape: [ny, nx],
        shape: d.shape,
        factors: d.factors,
        pixel_um: spacing ? [spacing[1] * d.factors[0], spacing[2] * d.factors[1]] : null,
        dtype: 'float32',
      },
      data: d.data,
    };
  }

  function runInfo() {
    const rel = (p: string | null) => (p ? path.relative(files.dir, p) || p : null);
    return {
      dir: files.dir,
      default_max_dim: defaultMax,
      /** Annotating (slices view) needs the grey scan; saving goes to annotations.tif of the run folder (not on a series). */
      annotate: Boolean(files.scan) && !series,
      /** A series folder: its frames in time order (the page's time slider picks one with ?frame=k). */
      series: series
        ? {
            transform: series.transform,
            frames: series.frames.map((f) => ({ index: f.index, charge_mah_cm2: f.charge_mah_cm2, input: f.input, scan: rel(f.scan), labels: rel(f.labels), change: rel(f.change) })),
          }
        : null,
      texture_limit: 2048,
      files: Object.fromEntries(Object.entries(files).filter(([k]) => k !== 'dir').map(([k, v]) => [k, rel(v as string | null)])),
      views: {
        labels: Boolean(files.labels),
        slices: Boolean(files.scan || files.labels),
        thickness: Boolean(files.thickness),
        strip: Boolean(files.thickness && files.stripping_json),
        current: Boolean(files.current_density),
        fem: Boolean(files.profiles_csv || files.contact_json || files.contact_csv),
        change: Boolean(series?.frames.some((f) => f.change)),
      },
    };
  }

  async function serveStatic(res: http.ServerResponse, urlPath: string): Promise<void> {
    const problem = viewerBuildProblem(viewerDir);
    if (problem) throw new HttpError(500, problem);
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      throw new HttpError(400, 'bad percent-encoding in the path');
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const p = path.resolve(viewerDir, `.${rel}`);
    if (!p.startsWith(viewerDir + path.sep)) throw new HttpError(403, 'outside the viewer folder');
    if (!existsSync(p)) throw new HttpError(404, `not found: ${rel}`);
    const real = realFileInside(viewerDir, p);
    if (!real) throw new HttpError(404, `not found: ${rel}`);
    if (rel === '/index.html') {
      // the page carries this session's write token (a page of another origin cannot read it)
      const html = withToken(await fs.readFile(real, 'utf8'), token);
      res.writeHead(200, { 'content-type': MIME['.html'], 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
      res.end(html);
      return;
    }
    const st = statSync(real);
    res.writeHead(200, { 'content-type': MIME[path.extname(p)] ?? 'application/octet-stream', 'content-length': st.size, 'cache-control': 'no-cache' });
    await new Promise<void>((resolve, reject) => createReadStream(real).on('error', reject).on('end', resolve).pipe(res));
  }

  const binary = (res: http.ServerResponse, bytes: Buffer, headers: Record<string, string>) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length, 'cache-control': 'no-store', ...headers });
    res.end(bytes);
  };
  const json = (res: http.ServerResponse, value: unknown) => {
    const body = JSON.stringify(value);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
  };

  // ── annotating: the annotation volume (annotations.ts) and the retrain job (retrain.ts)
  let store: Promise<AnnotationStore> | null = null;
  const annotations = (): Promise<AnnotationStore> => {
    if (series) throw new HttpError(404, 'annotating is for a run folder, not a series');
    if (!files.scan) throw new HttpError(404, 'annotating needs the grey-level scan (give buried view --scan FILE)');
    const scanPath = files.scan;
    store ??= source(scanPath).then((s) => new AnnotationStore(files.dir, s.shape, s.spacing, runInputAnnotations(files.dir, files.manifest)));
    store.catch(() => (store = null));
    return store;
  };
  /** Drop every open reader and cached level: the retrain replaced the run's files. */
  const forgetVolumes = async () => {
    const open = [...sources.values()];
    const stored = [...storedLevels.values()];
    sources.clear();
    wholes.clear();
    levels.clear();
    storedLevels.clear();
    for (const s of open) await s.then((v) => v.close()).catch(() => undefined);
    for (const st of stored) await st.then((v) => v?.source.close()).catch(() => undefined);
  };
  const retrainer = new Retrainer(files.dir, {
    before: async () => (await annotations()).settled(),
    after: async () => {
      await forgetVolumes();
      Object.assign(files, discoverRun(files.dir, { scan: options.scan }));
    },
  });
  const retrainPlan = (until?: string) => planRetrain(files.dir, files.manifest, path.join(files.dir, 'annotations.tif'), { scan: options.scan, until });

  async function annotationInfo() {
    const info = await (await annotations()).info();
    let retrain: { available: boolean; reason: string | null; input: string | null; until: string | null };
    try {
      const plan = retrainPlan();
      retrain = { available: true, reason: null, input: plan.input, until: plan.until };
    } catch (err) {
      retrain = { available: false, reason: (err as Error).message, input: null, until: null };
    }
    return { ...info, retrain };
  }

  async function write(req: http.IncomingMessage, res: http.ServerResponse, what: string): Promise<void> {
    if (what === 'annotations') {
      checkWrite(req, port, token, 'application/octet-stream', writeLimit);
      const body = await readBody(req, writeLimit);
      if (retrainer.running) throw new HttpError(409, 'a retrain is running: edits are taken again when it ends');
      return json(res, await (await annotations()).apply(body));
    }
    if (what === 'retrain') {
      checkWrite(req, port, token, 'application/json', 4096);
      const text = (await readBody(req, 4096)).toString('utf8');
      let doc: { until?: unknown };
      try {
        doc = text.trim() ? (JSON.parse(text) as { until?: unknown }) : {};
      } catch {
        throw new HttpError(400, 'retrain body must be JSON, e.g. {"until": "thickness"}');
      }
      if (doc.until !== undefined && typeof doc.until !== 'string') throw new HttpError(400, 'until must be a stage name');
      if (retrainer.running) throw new HttpError(409, 'a retrain is already running');
      const plan = retrainPlan(doc.until as string | undefined);
      retrainer.start(plan);
      res.writeHead(202, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(retrainer.status()));
      return;
    }
    throw new HttpError(404, 'nothing to write there');
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!isLocalHost(req.headers.host, port)) throw new HttpError(403, `Host '${req.headers.host ?? ''}' is not this machine (use http://127.0.0.1:${port}/)`);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'POST') {
      // the two write endpoints, nothing else (no path, no query: the files they write are fixed)
      if (parts.length !== 2 || parts[0] !== 'api' || url.search) throw new HttpError(404, `no write endpoint ${url.pathname}${url.search}`);
      return write(req, res, parts[1]);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'GET, or POST to api/annotations and api/retrain');
    if (parts[0] !== 'api') return serveStatic(res, url.pathname);
    const [, kind, name, sub] = parts;
    if (kind === 'run' && !name) return json(res, runInfo());
    if (kind === 'annotations' && !name) return json(res, await annotationInfo());
    if (kind === 'retrain' && !name) return json(res, retrainer.status());
    if (kind === 'slice' && name === 'annotations' && !sub) {
      const st = await annotations();
      const axis = url.searchParams.get('axis') ?? 'z';
      const index = Number(url.searchParams.get('index') ?? '0');
      const [nz, ny, nx] = st.shape;
      const n = axis === 'z' ? nz : axis === 'y' ? ny : axis === 'x' ? nx : -1;
      if (n < 0) throw new HttpError(400, `axis must be x, y or z, got '${axis}'`);
      if (!Number.isInteger(index) || index < 0 || index >= n) throw new HttpError(400, `index must be an integer in 0…${n - 1}`);
      const bytes = await st.slice(axis as 'z' | 'y' | 'x', index);
      return binary(res, toBytes(bytes), { 'x-dtype': 'uint8', 'x-shape': (axis === 'z' ? [ny, nx] : axis === 'y' ? [nz, nx] : [nz, ny]).join(',') });
    }
    if (kind === 'volume' && (name === 'labels' || name === 'scan')) {
      const max = maxParam(url);
      const frame = frameOf(url);
      if (sub === 'info') return json(res, await volumeInfo(name, max, frame));
      if (sub) throw new HttpError(404, 'unknown volume endpoint');
      const info = await volumeInfo(name, max, frame);
      return binary(res, await volumeLevel(name, max, frame), { 'x-dtype': info.level.dtype, 'x-shape': info.level.shape.join(',') });
    }
    if (kind === 'slice' && (name === 'labels' || name === 'scan') && !sub) {
      const s = await slice(name, url.searchParams.get('axis') ?? 'z', Number(url.searchParams.get('index') ?? '0'), frameOf(url));
      return binary(res, s.bytes, { 'x-dtype': name === 'labels' ? 'uint8' : 'float32', 'x-shape': s.shape.join(',') });
    }
    if (kind === 'map' && name && (name in MAP_FILES || name === CHANGE_MAP)) {
      const m = await map(name as MapName | typeof CHANGE_MAP, maxParam(url), frameOf(url));
      if (sub === 'info') return json(res, m.info);
      if (sub) throw new HttpError(404, 'unknown map endpoint');
      return binary(res, toBytes(m.data), { 'x-dtype': 'float32', 'x-shape': m.info.shape.join(',') });
    }
    if (kind === 'file' && name && name in TEXT_FILES && !sub) {
      const f = files[TEXT_FILES[name]] as string | null;
      if (!f) throw new HttpError(404, `no ${name} file in this run`);
      const p = runFile(f);
      const body = await fs.readFile(p);
      res.writeHead(200, { 'content-type': MIME[path.extname(p)] ?? 'text/plain', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    throw new HttpError(404, `unknown endpoint ${url.pathname}`);
  }

  let port = 0;
  const headersMs = options.timeouts?.headersMs ?? 10_000;
  const requestMs = Math.max(headersMs, options.timeouts?.requestMs ?? 30_000);
  const keepAliveMs = options.timeouts?.keepAliveMs ?? 5_000;
  // the limits are checked every connectionsCheckingInterval ms (Node's default is 30 s)
  const server = http.createServer({ headersTimeout: headersMs, requestTimeout: requestMs, keepAliveTimeout: keepAliveMs, connectionsCheckingInterval: Math.max(50, Math.min(1000, headersMs / 4)) }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError || err instanceof WriteRefused ? err.status : err instanceof EditError ? 400 : err instanceof InputError ? 422 : 500;
      const message = (err as Error)?.message ?? String(err);
      if (!res.headersSent) {
        // a refused write's body is not read: close the connection rather than drain it
        res.writeHead(status, { 'content-type': 'application/json', ...(req.method === 'POST' && !req.complete ? { connection: 'close' } : {}) });
        res.end(JSON.stringify({ error: message }));
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new InputError(`port ${options.port} is in use: give another --port or 0 for any free one`) : err),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  ({ port } = server.address() as AddressInfo);
  const host = (server.address() as AddressInfo).address;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    host,
    files,
    timeouts: { headersMs: server.headersTimeout, requestMs: server.requestTimeout, keepAliveMs: server.keepAliveTimeout },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await forgetVolumes();
    },
  };
}
