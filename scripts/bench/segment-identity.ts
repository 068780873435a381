/**
 * Byte-identity of the default phase segmentation across builds: segments a set of phantoms (every
 * preset, stacks along x and y, a field of view, plungers (also behind a carbon foil), a die wall, a full cell's Al foil) in memory and out of core,
 * and prints the sha256 of each label volume and of the report's numbers (timings and the backend
 * text aside). A speed-up that must not change any label is checked against a build without it:
 *
 *   node dist/scripts/bench/segment-identity.js --save /tmp/ref.json     (on the unchanged build)
 *   node dist/scripts/bench/segment-identity.js --check /tmp/ref.json    (on the changed one; exit 1 on a difference)
 *
 * --cases a,b,... runs a subset; --workers N sets the cpu backend's threads (default 2).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createBackend } from '../../src/compute/index.js';
import { generatePhantom, type PresetName, type SynthOptions } from '../../src/synth/index.js';
import { segment, segmentOutOfCore } from '../../src/segment/index.js';
import type { SegmentOptions, SegmentReport } from '../../src/segment/index.js';
import { memorySource } from '../../src/io/source.js';
import type { Shape3, Volume } from '../../src/io/volume.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const k = argv.indexOf(`--${name}`);
  return k >= 0 ? argv[k + 1] : def;
};

interface Case { preset: PresetName; shape: Shape3; synth?: Partial<SynthOptions>; options?: Partial<SegmentOptions>; slab: number }
const CASES: Record<string, Case> = {
  plated: { preset: 'plated', shape: [128, 128, 128], slab: 13 },
  'plated-y': { preset: 'plated', shape: [96, 160, 96], synth: { axis: 'y' }, slab: 17 },
  'plated-none': { preset: 'plated', shape: [96, 128, 128], options: { denoise: 'none' }, slab: 9 },
  'plated-gauss': { preset: 'plated', shape: [96, 128, 128], options: { denoise: 'gaussian', sigma: 1.3 }, slab: 9 },
  // a carbon foil behind a steel plunger (two-material collector; the collector runs read the grey), tilted
  'plated-plunger': { preset: 'plated', shape: [128, 112, 112], synth: { surroundings: 'plunger', tiltDeg: 8, tiltAzimuthDeg: 40 }, slab: 11 },
  'plated-die': { preset: 'plated', shape: [128, 96, 96], synth: { surroundings: 'die' }, slab: 9 },
  depleted: { preset: 'depleted', shape: [128, 128, 128], slab: 11 },
  'depleted-bright': { preset: 'depleted', shape: [96, 112, 112], options: { liContrast: 'bright' }, slab: 10 },
  symmetric: { preset: 'symmetric', shape: [160, 112, 112], slab: 15 },
  'symmetric-x-fov': { preset: 'symmetric', shape: [96, 96, 160], synth: { axis: 'x', surroundings: 'plunger', fov: 'circle' }, slab: 12 },
  labct: { preset: 'labct', shape: [160, 112, 112], slab: 14 },
  'labct-die': { preset: 'labct', shape: [160, 96, 96], synth: { surroundings: 'die' }, slab: 16 },
  foil: { preset: 'foil', shape: [128, 128, 128], slab: 12 },
  'foil-gmm': { preset: 'foil', shape: [96, 112, 112], options: { method: 'gmm' }, slab: 8 },
  fullcell: { preset: 'fullcell', shape: [160, 112, 112], slab: 18 },
  'fullcell-plunger': { preset: 'fullcell', shape: [160, 96, 96], synth: { surroundings: 'plunger' }, slab: 20 },
  'fullcell-foil': { preset: 'fullcell', shape: [160, 96, 96], synth: { cathodeFoilUm: 15, tiltDeg: 10, tiltAzimuthDeg: 60 }, slab: 13 },
  'fullcell-foil-plunger': { preset: 'fullcell', shape: [160, 96, 96], synth: { cathodeFoilUm: 12, surroundings: 'plunger' }, slab: 11 },
};

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex').slice(0, 24);
function reportHash(r: SegmentReport): string {
  const { timings_ms: _t, backend: _b, ...rest } = r;
  return sha(JSON.stringify(rest));
}

const names = arg('cases', '') ? arg('cases', '').split(',') : Object.keys(CASES);
const backend = await createBackend('cpu', { workers: Number(arg('workers', '2')) });
const result: Record<string, { labels: string; report: string; ooc_labels: string; ooc_report: string }> = {};
try {
  for (const name of names) {
    const c = CASES[name];
    if (!c) throw new Error(`unknown case ${name}`);
    const t0 = performance.now();
    const p = generatePhantom({ preset: c.preset, seed: 7, shape: c.shape, ...c.synth });
    let scan: Volume = p.scan;
    if (c.options?.liContrast === 'bright') scan = { ...scan, data: Uint16Array.from(scan.data as Uint16Array, (v) => 65535 - v) };
    const options: SegmentOptions = { mode: 'phases', method: 'otsu', ...c.options, backend };
    const mem = await segment(scan, options);
    const ooc = await segmentOutOfCore(memorySource(scan), options, { budgetBytes: 1 << 30, slabSlices: c.slab });
    try {
      const n = c.shape[0] * c.shape[1] * c.shape[2];
      const oocLabels = ooc.labels.readSlices(0, ooc.labels.shape[0]) as Uint8Array;
      result[name] = { labels: sha(mem.labels), report: reportHash(mem.report), ooc_labels: sha(oocLabels.subarray(0, n)), ooc_report: reportHash(ooc.report) };
    } finally {
      ooc.labels.discard();
    }
    console.log(`${name.padEnd(18)} ${result[name].labels} ${result[name].report} ${result[name].ooc_labels} ${result[name].ooc_report}  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
} finally {
  await backend.dispose();
}

if (arg('save', '')) writeFileSync(arg('save', ''), JSON.stringify(result, null, 1));
if (arg('check', '')) {
  const ref = JSON.parse(readFileSync(arg('check', ''), 'utf8')) as typeof result;
  let bad = 0;
  for (const name of names) {
    for (const k of ['labels', 'report', 'ooc_labels', 'ooc_report'] as const) {
      if (ref[name]?.[k] !== result[name][k]) {
        bad++;
        console.log(`DIFFERS ${name} ${k}: ${ref[name]?.[k]} → ${result[name][k]}`);
      }
    }
  }
  console.log(bad ? `${bad} differences` : `identical: ${names.length} cases, labels and report numbers, in memory and out of core`);
  process.exitCode = bad ? 1 : 0;
}
