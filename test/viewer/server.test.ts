import { existsSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTiff } from '../../src/io/tiff/index.js';
import { makeVolume } from '../../src/io/volume.js';
import { openVolume } from '../../src/io/open.js';
import { downsampleSource, levelFor, clampMaxDim } from '../../src/view/downsample.js';
import { discoverRun } from '../../src/view/run-dir.js';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { tempDir } from '../helpers.js';

// A small hand-made run: labels with known blocks, a grey ramp, a thickness map.
const [nz, ny, nx] = [6, 5, 7];
const dir = tempDir('buried-view-srv-');
const labels = new Uint8Array(nz * ny * nx);
const grey = new Uint16Array(nz * ny * nx);
for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
  const i = (z * ny + y) * nx + x;
  labels[i] = z < 2 ? 1 : z < 4 ? 2 : x === 0 ? 0 : 3;
  grey[i] = 1000 * z + 10 * y + x;
}
let server: ViewServer;

beforeAll(async () => {
  mkdirSync(path.join(dir, 'segment'), { recursive: true });
  mkdirSync(path.join(dir, 'thickness'), { recursive: true });
  mkdirSync(path.join(dir, 'input'), { recursive: true });
  await writeTiff(path.join(dir, 'segment', 'labels.tif'), makeVolume(labels, [nz, ny, nx], [2, 1, 1]));
  await writeTiff(path.join(dir, 'input', 'grey.tif'), makeVolume(grey, [nz, ny, nx], [2, 1, 1]));
  const t = new Float32Array(ny * nx).map((_, i) => i * 0.5);
  t[3] = Number.NaN;
  await writeTiff(path.join(dir, 'thickness', 'thickness_um.tif'), makeVolume(t, [1, ny, nx], [1, 1, 1]));
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ input: 'input/grey.tif', outputs: { labels: 'segment/labels.tif' } }));
  server = await startViewServer({ dir, maxDim: 512 });
});
afterAll(async () => server?.close());

const get = async (p: string) => {
  const r = await fetch(server.url + p);
  return { status: r.status, headers: r.headers, buf: Buffer.from(await r.arrayBuffer()) };
};

describe('view server', () => {
  it('finds the run files, the scan named in manifest.json, and says which views have data', async () => {
    const files = discoverRun(dir);
    expect(files.scan).toBe(path.join(dir, 'input', 'grey.tif'));
    expect(files.labels).toBe(path.join(dir, 'segment', 'labels.tif'));
    expect(files.current_density).toBeNull();
    const run = JSON.parse((await get('api/run')).buf.toString()) as { views: Record<string, boolean> };
    expect(run.views).toMatchObject({ labels: true, slices: true, thickness: true, strip: false, current: false, fem: false });
  });

  it('serves a z, y and x slice at full resolution, equal to the voxels', async () => {
    const z = await get('api/slice/scan?axis=z&index=3');
    expect(z.headers.get('x-shape')).toBe(`${ny},${nx}`);
    const zf = new Float32Array(z.buf.buffer, z.buf.byteOffset, ny * nx);
    expect(zf[2 * nx + 4]).toBe(3000 + 20 + 4);
    const y = await get('api/slice/scan?axis=y&index=2');
    const yf = new Float32Array(y.buf.buffer, y.buf.byteOffset, nz * nx);
    expect(y.headers.get('x-shape')).toBe(`${nz},${nx}`);
    expect(yf[5 * nx + 6]).toBe(5000 + 20 + 6);
    const x = await get('api/slice/labels?axis=x&index=0');
    expect(x.headers.get('x-shape')).toBe(`${nz},${ny}`);
    expect(Array.from(x.buf.subarray(4 * ny, 5 * ny))).toEqual(new Array(ny).fill(0));
    expect((await get('api/slice/scan?axis=q&index=0')).status).toBe(400);
    expect((await get('api/slice/scan?axis=z&index=6')).status).toBe(400);
  });

  it('downsamples labels by the mode and grey by the mean, never past the 3D-texture limit', async () => {
    const info = JSON.parse((await get('api/volume/labels/info?max=3')).buf.toString());
    expect(info.shape).toEqual([nz, ny, nx]);
    expect(info.level.factors).toEqual([2, 2, 3]);
    expect(info.level.shape).toEqual([3, 3, 3]);
    expect(info.level.spacing_um).toEqual([4, 2, 3]);
    const lv = await get('api/volume/labels?max=3');
    expect(lv.buf.length).toBe(27);
    // z blocks: [0,1] → Li, [2,3] → electrolyte, [4,5] → collector except x=0 (void): block x 0..2 has 1 void of 3 → collector
    expect(Array.from(lv.buf.subarray(0, 9))).toEqual(new Array(9).fill(1));
    expect(Array.from(lv.buf.subarray(9, 18))).toEqual(new Array(9).fill(2));
    expect(Array.from(lv.buf.subarray(18, 27))).toEqual(new Array(9).fill(3));
    const gv = await get('api/volume/scan?max=3');
    const g = new Float32Array(gv.buf.buffer, gv.buf.byteOffset, 27);
    // block (0,0,0): z 0..1, y 0..1, x 0..2 → mean = 500 + 5 + 1
    expect(g[0]).toBeCloseTo(506, 4);
    // last block (2,2,2): z 4..5, y 4, x 6 → 4500 + 40 + 6
    expect(g[26]).toBeCloseTo(4546, 4);
    expect(clampMaxDim(100000)).toBe(2048);
    expect(levelFor([5000, 100, 100], null, 100000).shape[0]).toBeLessThanOrEqual(2048);
  });

  it('mode ties go to the smaller code', async () => {
    const d = tempDir('buried-view-mode-');
    const v = new Uint8Array([3, 1, 3, 1]);
    await writeTiff(path.join(d, 'l.tif'), makeVolume(v, [1, 1, 4], null));
    const src = await openVolume(path.join(d, 'l.tif'));
    const out = await downsampleSource(src, levelFor(src.shape, null, 1), 'mode');
    await src.close();
    expect(Array.from(out)).toEqual([1]);
  });

  it('serves maps as float32 with NaN kept, and 404s what the run lacks', async () => {
    const m = await get('api/map/thickness');
    const f = new Float32Array(m.buf.buffer, m.buf.byteOffset, ny * nx);
    expect(f[5]).toBe(2.5);
    expect(Number.isNaN(f[3])).toBe(true);
    expect((await get('api/map/current_density')).status).toBe(404);
    expect((await get('api/file/stripping')).status).toBe(404);
    expect((await get('api/nope')).status).toBe(404);
  });
});

/**
 * One request with the target exactly as written (fetch and http.request normalise `..` away, so
 * they never reach the server's guard): status and body.
 */
function rawGet(port: number, target: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const all = Buffer.concat(chunks);
      const head = all.subarray(0, all.indexOf('\r\n\r\n')).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(head);
      if (!m) return reject(new Error(`no HTTP status line for ${target}: ${head.slice(0, 80)}`));
      resolve({ status: Number(m[1]), body: all.subarray(head.length + 4) });
    });
    sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

describe('view server: nothing outside the viewer folder and the run files', () => {
  // <tmp>/viewer is the static folder; <tmp>/secret.txt and <tmp>/viewer-x/secret.txt lie beside it
  // (the second shares the folder's name as a prefix); the run is the hand-made one above.
  const root = tempDir('buried-view-trav-');
  const viewerDir = path.join(root, 'viewer');
  const secret = `BURIED-SECRET-${process.pid}-${Date.now()}`;
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n')[0] : null;
  let srv: ViewServer;
  beforeAll(async () => {
    mkdirSync(path.join(viewerDir, 'assets'), { recursive: true });
    mkdirSync(path.join(root, 'viewer-x'));
    writeFileSync(path.join(viewerDir, 'index.html'), '<!doctype html><title>viewer</title>');
    writeFileSync(path.join(viewerDir, 'assets', 'app.js'), 'console.log(1);');
    writeFileSync(path.join(root, 'secret.txt'), secret);
    writeFileSync(path.join(root, 'viewer-x', 'secret.txt'), secret);
    // a link in the viewer folder to a file outside it
    symlinkSync(path.join(root, 'secret.txt'), path.join(viewerDir, 'assets', 'linked.js'));
    srv = await startViewServer({ dir, viewerDir, maxDim: 512 });
  });
  afterAll(async () => srv?.close());

  it('binds the loopback address only', async () => {
    expect(srv.host).toBe('127.0.0.1');
    expect(new URL(srv.url).hostname).toBe('127.0.0.1');
    // every other IPv4 address of this machine refuses the connection
    const others = Object.values(os.networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
    for (const addr of others) {
      const err = await new Promise<string | null>((resolve) => {
        const s = net.connect(srv.port, addr);
        s.on('connect', () => (s.destroy(), resolve(null)));
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(err, `port ${srv.port} on ${addr}`).toBe('ECONNREFUSED');
    }
  });

  it('serves the viewer files, and the same requests reach them raw', async () => {
    expect((await rawGet(srv.port, '/')).body.toString()).toContain('<title>viewer</title>');
    expect((await rawGet(srv.port, '/assets/app.js')).body.toString()).toBe('console.log(1);');
    expect((await rawGet(srv.port, '/assets/..%2findex.html')).body.toString()).toContain('<title>viewer</title>');
    expect((await rawGet(srv.port, '/api/file/manifest')).status).toBe(200);
  });

  const deep = '..%2f'.repeat(16);
  const attempts = [
    '/assets/linked.js',
    '/../secret.txt',
    '/../../../../../../../../../../etc/passwd',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    `/${deep}etc%2fpasswd`,
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/.%2e/secret.txt',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/%252e%252e%252fsecret.txt',
    '/..%252fsecret.txt',
    '/..\\secret.txt',
    '/..%5csecret.txt',
    '/..%5c..%5c..%5c..%5c..%5c..%5c..%5c..%5cetc%5cpasswd',
    '/..%2fviewer-x%2fsecret.txt',
    '/%2fetc%2fpasswd',
    '//etc/passwd',
    '/..%00/secret.txt',
    'http://127.0.0.1/..%2fsecret.txt',
    '/api/file/..%2f..%2fsecret.txt',
    '/api/file/%2e%2e%2fsecret.txt',
    `/api/file/${deep}etc%2fpasswd`,
    '/api/map/..%2fsecret.txt',
    '/api/volume/..%2f..%2fsecret.txt',
    '/api/slice/..%2fsecret.txt?axis=z&index=0',
    '/api/file/constructor',
    '/api/map/__proto__',
  ];
  it.each(attempts)('refuses %s without a byte of the target', async (target) => {
    const r = await rawGet(srv.port, target);
    expect(r.status).not.toBe(200);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.toString('latin1')).not.toContain(secret);
    if (passwd) expect(r.body.toString('latin1')).not.toContain(passwd);
  });

  it('ignores paths in query parameters', async () => {
    for (const target of [
      `/api/file/manifest?path=${encodeURIComponent(path.join(root, 'secret.txt'))}`,
      `/api/run?dir=${encodeURIComponent(root)}`,
      `/api/map/thickness?file=${encodeURIComponent(path.join(root, 'secret.txt'))}`,
      `/index.html?f=..%2fsecret.txt`,
      `/?view=labels&file=/etc/passwd`,
    ]) {
      const r = await rawGet(srv.port, target);
      expect(r.status, target).toBe(200);
      expect(r.body.toString('latin1'), target).not.toContain(secret);
      if (passwd) expect(r.body.toString('latin1'), target).not.toContain(passwd);
    }
  });

  it('a malformed percent-encoding is 400, not a server error', async () => {
    expect((await rawGet(srv.port, '/%E0%A4%A')).status).toBe(400);
    expect((await rawGet(srv.port, '/%')).status).toBe(400);
  });
});

/** The body of a raw HTTP/1.1 response (chunked transfer decoded). */
function bodyOf(data: string): string {
  const i = data.indexOf('\r\n\r\n');
  const head = data.slice(0, i);
  let rest = data.slice(i + 4);
  if (!/^transfer-encoding: *chunked/im.test(head)) return rest;
  let out = '';
  for (;;) {
    const j = rest.indexOf('\r\n');
    const n = parseInt(rest.slice(0, j), 16);
    if (!(n > 0)) return out;
    out += rest.slice(j + 2, j + 2 + n);
    rest = rest.slice(j + 2 + n + 2);
  }
}

/** Send `text` as is on a new connection; resolve with what came back when the server closes it. */
function rawExchange(port: number, text: string, endAfterWrite = false): Promise<{ status: number | null; data: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const data = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(data);
      resolve({ status: m ? Number(m[1]) : null, data });
    });
    sock.write(text, 'latin1');
    if (endAfterWrite) sock.end();
  });
}

describe('view server: the Host header, links out of the run folder, slow clients', () => {
  // a run folder of its own: a thickness map and fem/contact.csv, each a link to a file outside,
  // segment/labels.tif a link to a file inside (allowed), and a manifest
  const root = tempDir('buried-view-link-');
  const run = path.join(root, 'run');
  const secret = `BURIED-LINKED-SECRET-${process.pid}-${Date.now()}`;
  let srv: ViewServer;
  let quick: ViewServer;
  beforeAll(async () => {
    for (const d of ['segment', 'thickness', 'fem', 'data']) mkdirSync(path.join(run, d), { recursive: true });
    writeFileSync(path.join(root, 'secret.csv'), `t_s,contact_fraction\n${secret},1\n`);
    // a TIFF outside whose pixel values spell the secret's bytes
    const bytes = new Float32Array(Buffer.from(secret, 'latin1'));
    await writeTiff(path.join(root, 'secret.tif'), makeVolume(bytes, [1, 1, bytes.length], [1, 1, 1]));
    await writeTiff(path.join(run, 'data', 'labels.tif'), makeVolume(labels, [nz, ny, nx], [2, 1, 1]));
    symlinkSync(path.join(root, 'secret.tif'), path.join(run, 'thickness', 'thickness_um.tif'));
    symlinkSync(path.join(root, 'secret.csv'), path.join(run, 'fem', 'contact.csv'));
    symlinkSync(path.join('..', 'data', 'labels.tif'), path.join(run, 'segment', 'labels.tif'));
    writeFileSync(path.join(run, 'fem', 'profiles.csv'), 'x_um,h_um\n0,1\n');
    writeFileSync(path.join(run, 'manifest.json'), '{}');
    srv = await startViewServer({ dir: run, maxDim: 512 });
    quick = await startViewServer({ dir: run, maxDim: 512, timeouts: { headersMs: 300, requestMs: 600, keepAliveMs: 300 } });
  });
  afterAll(async () => {
    await srv?.close();
    await quick?.close();
  });
  const rawWithHost = (port: number, host: string | null, target = '/api/file/manifest') =>
    rawExchange(port, `GET ${target} HTTP/1.1\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`);

  it('answers only requests addressed to 127.0.0.1 or localhost (DNS rebinding: another name is 403)', async () => {
    for (const host of ['127.0.0.1', `127.0.0.1:${srv.port}`, 'localhost', `localhost:${srv.port}`, `LocalHost:${srv.port}`]) {
      const r = await rawWithHost(srv.port, host);
      expect(r.status, host).toBe(200);
      expect(bodyOf(r.data), host).toBe('{}');
    }
    for (const host of [`evil.example:${srv.port}`, 'evil.example', `127.0.0.1.evil.example:${srv.port}`, `localhost.evil.example`, `127.0.0.1:${srv.port + 1}`, `10.0.0.1:${srv.port}`, `127.0.0.1@evil.example`, '']) {
      for (const target of ['/api/file/manifest', '/', '/api/run']) {
        const r = await rawWithHost(srv.port, host, target);
        expect(r.status, `${host} ${target}`).toBe(403);
        expect(r.data, `${host} ${target}`).not.toContain(run);
      }
    }
    // HTTP/1.0 lets a client leave Host out: refused too
    const r10 = await rawExchange(srv.port, 'GET /api/run HTTP/1.0\r\n\r\n');
    expect(r10.status).toBe(403);
  });

  it('serves run files only when their real path lies inside the run folder: a link out is absent, no byte of its target', async () => {
    const run_ = JSON.parse(bodyOf((await rawWithHost(srv.port, '127.0.0.1', '/api/run')).data)) as { views: Record<string, boolean>; files: Record<string, string | null> };
    expect(run_.files.thickness).toBeNull();
    expect(run_.files.contact_csv).toBeNull();
    expect(run_.files.labels).toBe(path.join('segment', 'labels.tif'));
    expect(run_.views.thickness).toBe(false);
    for (const target of ['/api/map/thickness', '/api/map/thickness/info', '/api/file/contact_csv']) {
      const r = await rawWithHost(srv.port, '127.0.0.1', target);
      expect(r.status, target).toBeGreaterThanOrEqual(403);
      expect(r.status, target).toBeLessThanOrEqual(404);
      expect(r.data, target).not.toContain(secret);
      expect(r.data, target).not.toContain(String.fromCharCode(...Buffer.from(new Float32Array(Buffer.from(secret, 'latin1')).buffer).subarray(0, 8)));
    }
    // the link that stays inside the folder is followed
    const lab = await rawWithHost(srv.port, '127.0.0.1', '/api/slice/labels?axis=z&index=0');
    expect(lab.status).toBe(200);
    expect(Buffer.from(bodyOf(lab.data), 'latin1')).toEqual(Buffer.from(labels.subarray(0, ny * nx)));
  });

  it('a file replaced by a link out after the server started is refused (403), no byte of its target', async () => {
    const prof = path.join(run, 'fem', 'profiles.csv');
    expect((await rawWithHost(srv.port, '127.0.0.1', '/api/file/profiles')).status).toBe(200);
    unlinkSync(prof);
    symlinkSync(path.join(root, 'secret.csv'), prof);
    try {
      const r = await rawWithHost(srv.port, '127.0.0.1', '/api/file/profiles');
      expect(r.status).toBe(403);
      expect(r.data).not.toContain(secret);
    } finally {
      unlinkSync(prof);
      writeFileSync(prof, 'x_um,h_um\n0,1\n');
    }
  });

  it('drops a client that sends half its headers (408) and an idle keep-alive connection', async () => {
    // headers never finished: the server answers 408 and closes (Node's default waits 60 s, then 300 s)
    const half = await rawExchange(quick.port, `GET /api/run HTTP/1.1\r\nHost: 127.0.0.1:${quick.port}\r\nX-Slow: 1`);
    expect(half.status).toBe(408);
    expect(half.data).not.toContain('"views"');
    // a complete keep-alive request is answered, then the idle connection is closed by the server
    const ka = await rawExchange(quick.port, `GET /api/file/manifest HTTP/1.1\r\nHost: 127.0.0.1:${quick.port}\r\n\r\n`);
    expect(ka.status).toBe(200);
  }, 8000);

  it('runs with short limits by default: 10 s for the headers, 30 s for a request, 5 s idle', () => {
    expect(srv.timeouts).toEqual({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 });
    expect(quick.timeouts).toEqual({ headersMs: 300, requestMs: 600, keepAliveMs: 300 });
  });
});
