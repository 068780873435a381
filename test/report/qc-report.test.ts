import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { makeVolume } from '../../src/io/volume.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { renderReportHtml } from '../../src/report/html/index.js';
import { qcBanner, qcSection } from '../../src/report/html/qc.js';
import { qcHistogramSvg, writeHistogramFigure, writeSliceFigure } from '../../src/report/qc-figures.js';
import type { SegmentReport } from '../../src/segment/types.js';
import { tempDir } from '../helpers.js';
import { qcBlock } from '../qc-fixtures.js';

const NAMES = { '0': 'void/pore', '1': 'Li', '2': 'electrolyte', '3': 'collector' };

function page(qc: ReturnType<typeof qcBlock> | undefined): string {
  return renderReportHtml({ title: 't', subtitle: 's', banner: qcBanner(qc), sections: qc ? [qcSection(qc, NAMES, [])] : [], footer: 'f' });
}

describe('report: QC banner and section', () => {
  it('red banner at the very top, listing every warning, iff confidence is low', () => {
    const low = page(qcBlock('low', ['contrast 0.4 < 2.0 between Li and electrolyte', 'layout <unknown>']));
    expect(low.match(/class="banner"/g)).toHaveLength(1);
    // before the title header: the first thing on the page
    expect(low.indexOf('class="banner"')).toBeLessThan(low.indexOf('<header>'));
    expect(low.indexOf('<body>')).toBeLessThan(low.indexOf('class="banner"'));
    expect(low).toContain('<li>contrast 0.4 &lt; 2.0 between Li and electrolyte</li><li>layout &lt;unknown&gt;</li>');
    expect(page(qcBlock('high'))).not.toContain('class="banner"');
    expect(page(undefined)).not.toContain('class="banner"');
    expect(page(undefined)).not.toContain('id="qc"');
  });

  it('QC section: layout, evidence, field of view, checks with their verdicts, contrast pairs', () => {
    const html = page(qcBlock('low', ['w']));
    expect(html).toContain('<section id="qc">');
    expect(html).toContain('anode-free (detected)');
    expect(html).toContain('collector_slab = {&quot;end&quot;:&quot;start&quot;,&quot;run&quot;:12}; li_side = low');
    expect(html).toContain('masked 12.50 % (axis z, fill 0)');
    expect(html).toContain('1.25 %');
    // checks: name, value, limit, verdict
    expect(html).toMatch(/<td>contrast<\/td><td class="num">0\.4<\/td><td class="num">≥ 2\.0<\/td><td class="num">FAILED<\/td>/);
    expect(html).toMatch(/<td>fragmentation<\/td><td class="num">3 %<\/td><td class="num">≤ 5 %<\/td><td class="num">ok<\/td>/);
    expect(html).toMatch(/<td>void\/pore \| Li<\/td><td class="num">900 \/ 1400<\/td><td class="num">80 \/ 100<\/td><td class="num">4\.5<\/td>/);
    expect(page(qcBlock('high'))).toMatch(/<td>contrast<\/td><td class="num">4\.5<\/td><td class="num">≥ 2\.0<\/td><td class="num">ok<\/td>/);
    expect(html).not.toContain('collector foil');
  });

  it('a full cell with a current collector foil beyond its cathode says so beside the collector kind', () => {
    const qc = qcBlock('high');
    const html = page({ ...qc, layout: { ...qc.layout, name: 'full-cell', collector: 'none', evidence: { ...qc.layout.evidence, cathode: true, cathode_foil: 9 } } });
    expect(html).toContain('collector none; a current collector foil beyond the cathode (9 voxels);');
  });
});

describe('report: QC figures', () => {
  it('overlay PNGs: the expected colour at voxels known to be Li, electrolyte and outside the field of view', async () => {
    const dir = tempDir();
    const [nz, ny, nx] = [6, 8, 10];
    const scan = new Uint16Array(nz * ny * nx);
    const labels = new Uint8Array(nz * ny * nx);
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const i = (z * ny + y) * nx + x;
          // Li (dark, 1000) below z = 3, electrolyte (bright, 3000) above; x = 9 outside the field of view
          scan[i] = z < 3 ? 1000 : 3000;
          labels[i] = x === 9 ? 255 : z < 3 ? 1 : 2;
        }
    const scanFile = path.join(dir, 'scan.tif');
    const labelsFile = path.join(dir, 'labels.tif');
    await writeTiff(scanFile, makeVolume(scan, [nz, ny, nx], [2, 1, 1]));
    await writeTiff(labelsFile, makeVolume(labels, [nz, ny, nx], [2, 1, 1]), { compression: 'deflate' });
    const fig = await writeSliceFigure(dir, { file: scanFile, options: {} }, labelsFile, 600);
    expect(fig.caption).toContain('xy at z = 3, xz at y = 4, yz at x = 5');
    const xz = decode(readFileSync(path.join(dir, 'qc_slice_xz.png')));
    expect([xz.width, xz.height]).toEqual([10, 6]);
    const px = (img: typeof xz, row: number, col: number) => Array.from(img.data.slice(4 * (row * img.width + col), 4 * (row * img.width + col) + 4));
    // Li over grey 0: 0.45 × sky blue (86, 180, 233)
    expect(px(xz, 1, 4)).toEqual([39, 81, 105, 255]);
    // electrolyte over grey 255: 0.55 × 255 + 0.45 × orange (230, 159, 0)
    expect(px(xz, 4, 4)).toEqual([244, 212, 140, 255]);
    // outside the field of view over grey 255: darkened to 0.4 × 255
    expect(px(xz, 4, 9)).toEqual([102, 102, 102, 255]);
    const xy = decode(readFileSync(path.join(dir, 'qc_slice_xy.png')));
    expect([xy.width, xy.height]).toEqual([10, 8]);
    expect(px(xy, 2, 2)).toEqual([244, 212, 140, 255]);
    const yz = decode(readFileSync(path.join(dir, 'qc_slice_yz.png')));
    expect([yz.width, yz.height]).toEqual([8, 6]);
    expect(px(yz, 0, 7)).toEqual([39, 81, 105, 255]);
    // legend: exactly the codes present
    expect([...fig.svg.matchAll(/data-legend="(\d+)"/g)].map((m) => m[1])).toEqual(['1', '2', '255']);
    expect(readFileSync(path.join(dir, 'qc_slices.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  const seg = {
    histogram: { bins: 100, lo: 0, width: 40, counts: Array.from({ length: 100 }, (_, i) => (i % 7) * 10), full_bins: 4000, full_width: 1 },
    thresholds: [1200, 2000],
    void_li_threshold: 800,
    class_means: { '0': 700, '1': 1000, '2': 2500, '3': null },
    grey_inverted: false,
    phase_names: NAMES,
    denoise: { applied: 'median' },
  } as unknown as SegmentReport;

  it('histogram: one marker per threshold (void|Li included) and per class mean, at the right grey level', () => {
    const svg = qcHistogramSvg(seg);
    const xOf = (kind: string) => [...svg.matchAll(new RegExp(`<line data-marker="${kind}" x1="([\\d.]+)"`, 'g'))].map((m) => Number(m[1]));
    // plot: left 80 px, 610 px wide for grey 0..4000
    expect(xOf('threshold')).toEqual([80 + (1200 / 4000) * 610, 80 + (2000 / 4000) * 610, 80 + (800 / 4000) * 610]);
    expect(xOf('class-mean')).toEqual([80 + (700 / 4000) * 610, 80 + (1000 / 4000) * 610, 80 + (2500 / 4000) * 610]);
    expect(svg).toContain('μ Li');
    expect(svg).toContain('after median denoising');
  });

  it('inverted grey: said in the caption and on the axis', async () => {
    const dir = tempDir();
    const normal = await writeHistogramFigure(dir, seg, 600);
    expect(normal.caption).not.toContain('INVERTED');
    const inv = await writeHistogramFigure(dir, { ...seg, grey_inverted: true }, 600);
    expect(inv.caption).toContain('The grey scale is INVERTED');
    expect(inv.svg).toContain('grey level, inverted');
  });
});
