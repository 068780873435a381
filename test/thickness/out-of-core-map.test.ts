import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume, openVolume } from '../../src/io/open.js';
import { makeVolume, type Shape3, type Volume, type VoxelArray } from '../../src/io/volume.js';
import { generatePhantom, type PresetName } from '../../src/synth/index.js';
import { type NormalOption, type ThicknessMapResult } from '../../src/thickness/map.js';
import { thicknessMap } from '../../src/thickness/electrodes.js';
import { interfaceContact } from '../../src/thickness/contact.js';
import { thicknessMapFromSource } from '../../src/thickness/out-of-core-map.js';
import { registerThickness } from '../../src/cli/commands/thickness.js';
import { tempDir } from '../helpers.js';
import { tiltedCell } from './tilted.js';
import { flipZ } from './map-helpers.js';
import { runCliInProcess } from '../cli-in-process.js';

const MAPS = ['thickness', 'penetration', 'surface', 'liTop', 'thicknessVoxelCount'] as const;
const SCALARS = ['shape', 'pixel_um', 'axis_um', 'axis', 'normal', 'tilt_deg', 'li_side', 'refined', 'grey_means', 'repaired_columns', 'invalid_columns'] as const;
const bytes = (a: VoxelArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectSameMap(streamed: ThicknessMapResult, memory: ThicknessMapResult, what: string): void {
  for (const k of MAPS) expect(bytes(streamed[k]).equals(bytes(memory[k])), `${what}: ${k} bit-equal`).toBe(true);
  for (const k of SCALARS) expect(streamed[k], `${what}: ${k}`).toEqual(memory[k]);
}

/** [nz, ny, nx] → layered along y: [ny, nz, nx] with v'[j][k][i] = v[k][j][i]. */
function toY<T extends VoxelArray>(v: Volume<T>): Volume<T> {
  const [nz, ny, nx] = v.shape;
  const out = new (v.data.constructor as new (n: number) => T)(v.data.length);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) out.set(v.data.subarray((k * ny + j) * nx, (k * ny + j + 1) * nx), (j * nz + k) * nx);
  const sp = v.spacing;
  return makeVolume(out, [ny, nz, nx], sp ? [sp[1], sp[0], sp[2]] : null) as Volume<T>;
}

/** [nz, ny, nx] → layered along x: [nx, ny, nz] with v'[i][j][k] = v[k][j][i]. */
function toX<T extends VoxelArray>(v: Volume<T>): Volume<T> {
  const [nz, ny, nx] = v.shape;
  const out = new (v.data.constructor as new (n: number) => T)(v.data.length);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) out[(i * ny + j) * nz + k] = v.data[(k * ny + j) * nx + i];
  const sp = v.spacing;
  return makeVolume(out, [nx, ny, nz], sp ? [sp[2], sp[1], sp[0]] : null) as Volume<T>;
}


/** A float32 scan with non-integer grey levels: the grey-mean sums are then order-sensitive. */
const floatScan = (scan: Volume): Volume<Float32Array> =>
  makeVolume(Float32Array.from(scan.data, (v, i) => v * 1.37 + (i % 7) * 0.013), scan.shape, scan.spacing) as Volume<Float32Array>;

let dir = '';
let count = 0;
async function fileOf(v: Volume, compression: 'none' | 'deflate' = 'none'): Promise<string> {
  const file = path.join(dir, `v${count++}.tif`);
  await writeTiff(file, v, { compression });
  return file;
}

/** Streamed (blockRows 1, 3, 11) vs in-memory, maps and contact. */
async function check(labelsVolume: Volume, scanVolume: Volume | null, normal: NormalOption, what: string): Promise<ThicknessMapResult> {
  // the in-memory reference reads the same files (the TIFF round trip may round the voxel size)
  const labelsFile = await fileOf(labelsVolume);
  const scanFile = scanVolume ? await fileOf(scanVolume) : null;
  const labels = await loadVolume(labelsFile);
  const scan = scanFile ? await loadVolume(scanFile) : null;
  const memory = thicknessMap(labels, { normal, scan });
  const contact = interfaceContact(labels, memory.axis, memory.li_side, memory.surface);
  const lf = await openVolume(labelsFile);
  const sf = scanFile ? await openVolume(scanFile) : null;
  try {
    for (const blockRows of [1, 3, 11]) {
      const s = await thicknessMapFromSource(lf, { normal, scan: sf, budgetBytes: 1 << 30, blockRows });
      const w = `${what}, blockRows ${blockRows}`;
      expectSameMap(s, memory, w);
      expect(s.blocks).toBe(Math.ceil(memory.shape[0] / blockRows));
      expect(bytes(s.contact.contact).equals(bytes(contact.contact)), `${w}: contact`).toBe(true);
      expect(s.contact.contactFraction, w).toBe(contact.contactFraction);
      expect(s.contact.electrolyteDepthUm, w).toBe(contact.electrolyteDepthUm);
    }
  } finally {
    await lf.close();
    await sf?.close();
  }
  // compressed files cannot be read by rows: z-lines come from scratch copies instead
  const lc = await openVolume(await fileOf(labelsVolume, 'deflate'));
  const sc = scanVolume ? await openVolume(await fileOf(scanVolume, 'deflate')) : null;
  try {
    expect(lc.readRows).toBeUndefined();
    const s = await thicknessMapFromSource(lc, { normal, scan: sc, budgetBytes: 1 << 30, blockRows: 3 });
    expectSameMap(s, memory, `${what}, deflate files, blockRows 3`);
  } finally {
    await lc.close();
    await sc?.close();
  }
  return memory;
}

beforeAll(() => {
  dir = tempDir('buried-ooc-map-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('thicknessMapFromSource equals thicknessMap', () => {
  const cases: Array<{ preset: PresetName; shape: Shape3 }> = [
    { preset: 'plated', shape: [48, 56, 64] },
    { preset: 'depleted', shape: [40, 72, 48] },
    { preset: 'foil', shape: [64, 44, 80] },
  ];
  for (const { preset, shape } of cases) {
    it(`${preset} ${shape.join('×')}: normal z, y, x, auto; no scan, uint16 and float32 scans`, async () => {
      const ph = generatePhantom({ preset, shape });
      const fscan = floatScan(ph.scan);
      const r = await check(ph.labels, null, 'z', `${preset} z`);
      expect(r.axis).toBe('z');
      await check(ph.labels, ph.scan, 'z', `${preset} z uint16 scan`);
      await check(ph.labels, fscan, 'z', `${preset} z float scan`);
      await check(flipZ(ph.labels), flipZ(fscan), 'z', `${preset} z flipped float scan`);
      for (const [axis, t] of [['y', toY], ['x', toX]] as const) {
        const labels = t(ph.labels);
        await check(labels, null, axis, `${preset} ${axis}`);
        const ra = await check(labels, t(fscan), 'auto', `${preset} auto→${axis} float scan`);
        expect(ra.axis).toBe(axis);
      }
    });
  }

  it('tilted cell, --normal auto (lines along the fitted normal cross blocks)', async () => {
    for (const flip of [false, true]) {
      const cell = tiltedCell({ tiltDeg: 10, thickness: 12, flip, shape: [40, 48, 64] });
      const scan = makeVolume(Float32Array.from(cell.labels.data, (v, i) => v * 100 + (i % 5) * 0.1), cell.labels.shape, cell.labels.spacing);
      const r = await check(cell.labels, scan, 'auto', `tilted flip ${flip}`);
      expect(r.tilt_deg).toBeGreaterThan(5);
      // tilted about z in the x-layered volume: the lines cross z-slab blocks
      const rx = await check(toX(cell.labels), null, 'auto', `tilted →x flip ${flip}`);
      expect(rx.axis).toBe('x');
      expect(rx.tilt_deg).toBeGreaterThan(5);
    }
  });
});

const runCli = (args: string[]) => runCliInProcess([registerThickness], args);

describe('buried thickness --memory', () => {
  for (const normal of ['z', 'auto'] as const) {
    it(`a tiny budget streams and writes the same files as the default run (--normal ${normal}, --scan)`, async () => {
      const ph = generatePhantom({ preset: 'plated', shape: [48, 56, 64] });
      const labels = await fileOf(normal === 'z' ? ph.labels : toY(ph.labels));
      const scan = await fileOf(normal === 'z' ? ph.scan : toY(ph.scan));
      const outs: string[] = [];
      const memory: Array<Record<string, unknown>> = [];
      for (const extra of [[], ['--memory', '64M']]) {
        const out = path.join(dir, `cli-${normal}-${extra.length}`);
        const r = await runCli(['thickness', labels, '-o', out, '--normal', normal, '--scan', scan, '--json', ...extra]);
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout).memory).toBeDefined();
        outs.push(out);
        memory.push(JSON.parse(readFileSync(path.join(out, 'thickness.json'), 'utf8')).memory);
      }
      expect(memory[0]).toMatchObject({ out_of_core: false, blocks: 1 });
      expect(memory[1]).toMatchObject({ out_of_core: true, budget_bytes: 64 * 2 ** 20 });
      expect(memory[1].blocks).toBeGreaterThan(1);
      for (const m of memory) expect(m.peak_rss_bytes).toBeGreaterThan(0);
      // .buried-outputs.json records the outputs' mtimes: bookkeeping, not a result
      const files = readdirSync(outs[0]).filter((f) => f !== '.buried-outputs.json').sort();
      expect(readdirSync(outs[1]).filter((f) => f !== '.buried-outputs.json').sort()).toEqual(files);
      for (const f of files) {
        const a = readFileSync(path.join(outs[0], f));
        const b = readFileSync(path.join(outs[1], f));
        if (f === 'thickness.json') {
          const ja = JSON.parse(a.toString());
          const jb = JSON.parse(b.toString());
          delete ja.memory;
          delete jb.memory;
          expect(jb).toEqual(ja);
        } else expect(b.equals(a), f).toBe(true);
      }
    });
  }
});
