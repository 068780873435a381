/**
 * labels.tif opens in Fiji in the phase colours (issue #22): a palette TIFF (ColorMap, tag 320) laid
 * out for ImageJ's display range 0–5, which the ImageJ description carries (`min=0 max=5`). Checked
 * with tifffile (the codes stay uint8 codes; colour map and ImageJ metadata are seen) and with our
 * own reader; the colours are the viewer's.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { openTiff, writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume } from '../../src/io/volume.js';
import { LABEL_COLORS, classLabelDisplay, phaseLabelDisplay } from '../../src/io/label-lut.js';
import { generatePhantom } from '../../src/synth/index.js';
import { phaseColor } from '../../viewer/src/colors.js';
import { cli, missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

const noTifffile = missingPython('tifffile', 'numpy');

/**
 * tifffile's view of a TIFF, and the colour ImageJ shows each code 0..5 and 255 in. ImageJ
 * (ByteProcessor.setMinAndMax) shows value v of an 8-bit image with display range [min, max]
 * through colour-map entry min(255, int(256 (v − min)/(max − min))), v > max through entry 255;
 * written out here independently of src/io/label-lut.ts.
 */
const TIFFFILE_DISPLAY = `
import sys, json, numpy as np, tifffile
with tifffile.TiffFile(sys.argv[1]) as t:
    a = tifffile.imread(sys.argv[1])
    p = t.pages[0]
    ij = t.imagej_metadata or {}
    cm = p.colormap
    shown = None
    if cm is not None and 'min' in ij:
        lo, hi = float(ij['min']), float(ij['max'])
        def entry(v):
            return 255 if v > hi else min(255, int(256 * (v - lo) / (hi - lo)))
        shown = {str(v): [int(cm[ch][entry(v)]) // 257 for ch in range(3)] for v in [0, 1, 2, 3, 4, 5, 255]}
    print(json.dumps({
        'dtype': a.dtype.name, 'shape': list(a.shape), 'values': a.ravel().tolist(),
        'photometric': int(p.photometric), 'colormap_shape': None if cm is None else list(cm.shape),
        'palette_pages': sum(1 for q in t.pages if int(q.photometric) == 3),
        'is_imagej': bool(t.is_imagej), 'min': ij.get('min'), 'max': ij.get('max'), 'spacing': ij.get('spacing'),
        'shown': shown,
    }))
`;

interface TifffileDisplay {
  dtype: string;
  shape: number[];
  values: number[];
  photometric: number;
  colormap_shape: number[] | null;
  palette_pages: number;
  is_imagej: boolean;
  min: number | null;
  max: number | null;
  spacing: number | null;
  shown: Record<string, number[]> | null;
}

const tifffileDisplay = (file: string) => JSON.parse(runPython(TIFFFILE_DISPLAY, [file])) as TifffileDisplay;

/** What each code should look like in Fiji: its phase colour; 255 (masked) beyond the range shows as code 5. */
const EXPECTED_SHOWN = Object.fromEntries([0, 1, 2, 3, 4, 5, 255].map((v) => [String(v), [...LABEL_COLORS[v === 255 ? 5 : v]]]));

/** Every code once, twice over, in a 2×3×7 stack. */
const CODES = Uint8Array.from({ length: 42 }, (_, i) => [0, 1, 2, 3, 4, 5, 255][i % 7]);

describe('labels.tif: phase colours and display range for Fiji', () => {
  it("the colour table's colours are the viewer's phase colours (codes 0..5 and 255)", () => {
    for (const code of [0, 1, 2, 3, 4, 5, 255]) expect([...LABEL_COLORS[code]], `code ${code}`).toEqual(phaseColor(code));
  });

  it('tifffile reads the same uint8 codes, a palette image with a 3×256 ColorMap on every page and ImageJ min=0 max=5; through ImageJ\'s display mapping each code shows in its phase colour', async (ctx) => {
    requireAvailable(ctx, noTifffile);
    const file = path.join(tempDir(), 'labels.tif');
    await writeTiff(file, makeVolume(CODES, [2, 3, 7], [2, 1.5, 1.5]), { compression: 'deflate', display: phaseLabelDisplay() });
    const t = tifffileDisplay(file);
    expect(t.dtype).toBe('uint8');
    expect(t.shape).toEqual([2, 3, 7]);
    expect(t.values).toEqual([...CODES]);
    expect(t.photometric).toBe(3);
    expect(t.palette_pages).toBe(2);
    expect(t.colormap_shape).toEqual([3, 256]);
    expect(t.is_imagej).toBe(true);
    expect([t.min, t.max, t.spacing]).toEqual([0, 5, 2]);
    expect(t.shown).toEqual(EXPECTED_SHOWN);
  });

  it('our reader reads the palette labels.tif back: same codes, uint8, voxel size', async () => {
    const file = path.join(tempDir(), 'labels.tif');
    await writeTiff(file, makeVolume(CODES, [2, 3, 7], [2, 1.5, 1.5]), { compression: 'deflate', display: phaseLabelDisplay() });
    const src = await openTiff(file);
    try {
      expect(src.dtype).toBe('uint8');
      expect(src.shape).toEqual([2, 3, 7]);
      expect(src.spacing).toEqual([2, 1.5, 1.5]);
      expect([...(await src.readSlices(0, 2))]).toEqual([...CODES]);
    } finally {
      await src.close();
    }
  });

  it('a colour map is refused on anything but uint8, and a colour map must have 256 entries (no file left)', async () => {
    const dir = tempDir();
    await expect(writeTiff(path.join(dir, 'a.tif'), makeVolume(new Uint16Array(4), [1, 2, 2], null), { display: phaseLabelDisplay() })).rejects.toThrow(/colour map needs uint8/);
    await expect(writeTiff(path.join(dir, 'b.tif'), makeVolume(new Uint8Array(4), [1, 2, 2], null), { display: { range: { min: 0, max: 5 }, colormap: [[0, 0, 0]] } })).rejects.toThrow(/256 entries/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('buried synth and buried segment (phases) write labels.tif with the phase colour map and range 0–5; --classes 3 writes range 0–2 in grey (no colour map)', async (ctx) => {
    requireAvailable(ctx, noTifffile);
    const dir = tempDir();
    const syn = cli(['synth', path.join(dir, 'syn'), '--shape', '48,32,32', '--seed', '3']);
    expect(syn.status, syn.stderr).toBe(0);
    const synLabels = tifffileDisplay(path.join(dir, 'syn', 'labels.tif'));
    expect(synLabels.photometric).toBe(3);
    expect([synLabels.min, synLabels.max]).toEqual([0, 5]);
    expect(synLabels.shown).toEqual(EXPECTED_SHOWN);
    const truth = await loadVolume(path.join(dir, 'syn', 'labels.tif'));
    expect(synLabels.values).toEqual([...truth.data]);

    const phantom = generatePhantom({ preset: 'plated', seed: 3, shape: [96, 32, 32] });
    const scan = path.join(dir, 'scan.tif');
    await writeTiff(scan, phantom.scan);
    const seg = cli(['segment', scan, '-o', path.join(dir, 'seg'), '--backend', 'cpu']);
    expect(seg.status, seg.stderr).toBe(0);
    const segLabels = tifffileDisplay(path.join(dir, 'seg', 'labels.tif'));
    expect(segLabels.dtype).toBe('uint8');
    expect(segLabels.photometric).toBe(3);
    expect(segLabels.palette_pages).toBe(96);
    expect([segLabels.min, segLabels.max]).toEqual([0, 5]);
    expect(segLabels.shown).toEqual(EXPECTED_SHOWN);

    const gen = cli(['segment', scan, '-o', path.join(dir, 'gen'), '--classes', '3', '--backend', 'cpu']);
    expect(gen.status, gen.stderr).toBe(0);
    const genLabels = tifffileDisplay(path.join(dir, 'gen', 'labels.tif'));
    expect(genLabels.photometric).toBe(1);
    expect(genLabels.colormap_shape).toBeNull();
    expect([genLabels.min, genLabels.max]).toEqual([0, 2]);
    expect(new Set(genLabels.values)).toEqual(new Set([0, 1, 2]));
    expect(classLabelDisplay(3).range).toEqual({ min: 0, max: 2 });
  });
});
