/**
 * The batch summary across scans, built from each scan's run folder (so it is the same whether the
 * scans ran here or on queue workers, and it can be rebuilt at any time):
 *   summary.csv   one row per scan: status, Li inventory, thickness statistics, contact fraction,
 *                 active area at the configured stripped fractions, resistance, FEM contact;
 *   summary.html  self-contained page (inline CSS and SVG charts, no scripts, no URLs except the
 *                 relative links to each scan's report.html): the table, Li inventory and
 *                 thickness charts, and the active-area curves of every scan overlaid;
 *   batch.json    the scans, their status, error, worker and attempts (machine-readable).
 * Each file is written atomically (temporary file + rename).
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { configTable, type RunConfig } from '../pipeline/config.js';
import { packageVersion } from '../pipeline/run.js';
import { renderVegaLite, type VlSpec } from '../report/charts/index.js';
import { configTableHtml, esc, inlineSvg, renderReportHtml, type Section } from '../report/html/index.js';
import type { ScanOutcome } from './local.js';
import { readRunDocs, RUN_REPORT, type RunDocs } from '../io/run-folder.js';
import { activeAt, csvTable, num, runColumns, type RunColumn } from '../io/run-summary.js';

// ───────────────────────────────────────── the per-scan files (types and reader: io/run-folder.ts)

/** Everything the summary reads from one scan's folder (null where a file is missing). */
export interface ScanData extends RunDocs {
  outcome: ScanOutcome;
  report: boolean;
}

export async function readScan(outcome: ScanOutcome): Promise<ScanData> {
  const docs = await readRunDocs(outcome.out);
  return { outcome, ...docs, report: existsSync(path.join(outcome.out, RUN_REPORT)) };
}

// ───────────────────────────────────────── columns

export type Column = RunColumn<ScanData>;

/** The columns of summary.csv: the scan's outcome, then each run folder's numbers (io/run-summary.ts, the same as a run's own summary.csv), then how it ran. */
export function summaryColumns(scans: ScanData[]): Column[] {
  return [
    { key: 'name', doc: 'scan folder name in the batch output folder', get: (s) => s.outcome.name },
    { key: 'status', doc: 'ok or failed', get: (s) => s.outcome.status },
    { key: 'error', doc: 'why the scan failed (empty when ok)', get: (s) => s.outcome.error },
    { key: 'input', doc: 'scan file (absolute path)', get: (s) => s.outcome.input },
    { key: 'input_sha256', doc: 'sha256 of the scan file', get: (s) => s.manifest?.input?.sha256 ?? null },
    ...runColumns(scans),
    { key: 'wall_seconds', doc: "wall time of the scan's last run (s; a re-run with every stage up to date takes a fraction of a second)", get: (s) => num(s.manifest?.wall_seconds) ?? (s.outcome.status === 'ok' ? null : s.outcome.seconds) },
    { key: 'attempts', doc: 'attempts started (queue: including ones lost with a worker)', get: (s) => s.outcome.attempts },
    { key: 'worker', doc: 'who completed it: local or the queue worker (host:pid)', get: (s) => s.outcome.worker },
    { key: 'out', doc: 'run folder of the scan, relative to the batch folder', get: (s) => s.outcome.name },
  ];
}

export function summaryCsv(scans: ScanData[], columns = summaryColumns(scans)): string {
  return csvTable(scans, columns);
}

// ───────────────────────────────────────── charts

const MODE_DASH = { domain: ['uniform', 'current-aware'], range: [[1, 0], [6, 3]] };

export function activeAreaSpec(points: { scan: string; mode: string; stripped_fraction: number; active_fraction: number }[]): VlSpec {
  return {
    title: 'Active area while stripping, every scan',
    width: 560,
    height: 300,
    data: { values: points },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: { field: 'stripped_fraction', type: 'quantitative', title: 'fraction of Li stripped', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
      y: { field: 'active_fraction', type: 'quantitative', title: 'active area fraction', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
      color: { field: 'scan', type: 'nominal', title: 'scan' },
      strokeDash: { field: 'mode', type: 'nominal', title: 'replay', scale: MODE_DASH },
    },
  };
}

export function inventorySpec(rows: { scan: string; mah_cm2: number; um: number }[]): VlSpec {
  return {
    title: 'Li inventory',
    width: 420,
    height: { step: 22 },
    data: { values: rows },
    mark: { type: 'bar', color: '#3b5b92', tooltip: true },
    encoding: {
      y: { field: 'scan', type: 'nominal', title: null, sort: null },
      x: { field: 'mah_cm2', type: 'quantitative', title: 'areal capacity (mAh/cm²)' },
    },
  };
}

export function thicknessRangeSpec(rows: { scan: string; min: number; p05: number; p50: number; p95: number; max: number; mean: number }[]): VlSpec {
  const y = { field: 'scan', type: 'nominal', title: null, sort: null };
  return {
    title: 'Li thickness: min–max, 5–95 %, median (tick) and mean (dot)',
    width: 420,
    height: { step: 22 },
    data: { values: rows },
    layer: [
      { mark: { type: 'rule', color: '#9aa5b1' }, encoding: { y, x: { field: 'min', type: 'quantitative', title: 'Li thickness (µm)' }, x2: { field: 'max' } } },
      { mark: { type: 'bar', color: '#b5367a', opacity: 0.55, height: 12 }, encoding: { y, x: { field: 'p05', type: 'quantitative' }, x2: { field: 'p95' } } },
      { mark: { type: 'tick', color: '#111111', thickness: 2, size: 16 }, encoding: { y, x: { field: 'p50', type: 'quantitative' } } },
      { mark: { type: 'point', filled: true, color: '#c9a227', size: 50 }, encoding: { y, x: { field: 'mean', type: 'quantitative' }, tooltip: [{ field: 'scan' }, { field: 'mean', title: 'mean (µm)' }] } },
    ],
  };
}

export function thicknessDistributionSpec(points: { scan: string; thickness_um: number; density: number }[]): VlSpec {
  return {
    title: 'Li thickness distributions',
    width: 520,
    height: 260,
    data: { values: points },
    mark: { type: 'line', strokeWidth: 2, interpolate: 'step-after' },
    encoding: {
      x: { field: 'thickness_um', type: 'quantitative', title: 'Li thickness (µm)' },
      y: { field: 'density', type: 'quantitative', title: 'fraction of map columns per µm' },
      color: { field: 'scan', type: 'nominal', title: 'scan' },
    },
  };
}

// ───────────────────────────────────────── html

const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : (+v.toPrecision(digits)).toString());
const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(1)} %`);

function scanTableHtml(scans: ScanData[], fraction: number | null): string {
  const head = ['scan', 'status', 'Li (µm)', 'Li (mAh/cm²)', 'thickness mean ± std (µm)', 'p5 / p50 / p95 (µm)', 'contact', ...(fraction !== null ? [`active @ ${+(fraction * 100).toPrecision(4)} % stripped (uniform / current)`] : []), 'R (Ω·cm²)', 'wall (s)', 'worker'];
  const rows = scans.map((s) => {
    const t = s.thickness;
    const name = s.report ? `<a href="${esc(encodeURI(`${s.outcome.name}/report.html`))}">${esc(s.outcome.name)}</a>` : esc(s.outcome.name);
    const status = s.outcome.status === 'ok' ? 'ok' : `<span class="bad" title="${esc(s.outcome.error ?? '')}">failed</span>`;
    const cells = [
      fmt(t?.mean_um),
      fmt(t?.mean_capacity_mah_cm2),
      t ? `${fmt(t.mean_um)} ± ${fmt(t.std_um, 2)}` : '—',
      t ? `${fmt(t.p05_um)} / ${fmt(t.p50_um)} / ${fmt(t.p95_um)}` : '—',
      pct(s.iface?.contact_fraction),
      ...(fraction !== null ? [`${pct(activeAt(s.stripping?.uniform?.at_rows, fraction))} / ${pct(activeAt(s.stripping?.current?.at_rows ?? undefined, fraction))}`] : []),
      fmt(s.current?.resistance_ohm_cm2, 4),
      fmt(s.manifest?.wall_seconds ?? s.outcome.seconds, 3),
      esc(s.outcome.worker),
    ];
    return `<tr><td>${name}</td><td>${status}</td>${cells.map((c) => `<td class="num">${c.startsWith('<') ? c : esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function plainTable(head: string[], rows: string[][], caption?: string): string {
  return `<table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n')}\n</tbody></table>`;
}

export interface SummaryOptions {
  /** Batch output folder (summary.csv, summary.html, batch.json go here). */
  dir: string;
  outcomes: ScanOutcome[];
  cfg: RunConfig;
  configFile?: string | null;
  /** 'local' or the queue URL (shown in the page and batch.json). */
  mode: string;
}

export interface SummaryFiles {
  csv: string;
  html: string;
  json: string;
}

/** Read every scan's folder and write summary.csv, summary.html and batch.json atomically. */
export async function writeSummary(o: SummaryOptions): Promise<SummaryFiles> {
  const scans = await Promise.all(o.outcomes.map(readScan));
  const columns = summaryColumns(scans);
  const csvPath = path.join(o.dir, 'summary.csv');
  const htmlPath = path.join(o.dir, 'summary.html');
  const jsonPath = path.join(o.dir, 'batch.json');
  await fs.mkdir(o.dir, { recursive: true });
  await writeFileAtomically(csvPath, summaryCsv(scans, columns));

  const withData = scans.filter((s) => s.thickness);
  const figures: string[] = [];
  const chart = async (spec: VlSpec, caption: string): Promise<string> => {
    try {
      return `<figure>${inlineSvg(await renderVegaLite(spec))}<figcaption>${esc(caption)}</figcaption></figure>`;
    } catch (e) {
      // a chart that cannot be drawn must not cost the summary
      return `<p class="intro">${esc(`${caption} (chart not drawn: ${(e as Error).message})`)}</p>`;
    }
  };
  const figure = async (spec: VlSpec, caption: string) => {
    figures.push(await chart(spec, caption));
  };
  const invRows = withData.filter((s) => num(s.thickness?.mean_capacity_mah_cm2) !== null).map((s) => ({ scan: s.outcome.name, mah_cm2: s.thickness!.mean_capacity_mah_cm2!, um: s.thickness!.mean_um ?? NaN }));
  if (invRows.length) await figure(inventorySpec(invRows), 'Li inventory of each scan as areal capacity (mean Li thickness / 4.85 µm per mAh/cm²).');
  const rangeRows = withData
    .filter((s) => [s.thickness?.min_um, s.thickness?.p05_um, s.thickness?.p50_um, s.thickness?.p95_um, s.thickness?.max_um, s.thickness?.mean_um].every((v) => num(v) !== null))
    .map((s) => ({ scan: s.outcome.name, min: s.thickness!.min_um!, p05: s.thickness!.p05_um!, p50: s.thickness!.p50_um!, p95: s.thickness!.p95_um!, max: s.thickness!.max_um!, mean: s.thickness!.mean_um! }));
  if (rangeRows.length) await figure(thicknessRangeSpec(rangeRows), 'Li thickness statistics over the map columns of each scan.');
  const dist: { scan: string; thickness_um: number; density: number }[] = [];
  for (const s of withData) {
    const h = s.thickness?.histogram;
    if (!h || h.counts.length === 0) continue;
    const total = h.counts.reduce((a, b) => a + b, 0);
    if (!total) continue;
    for (let i = 0; i < h.counts.length; i++) dist.push({ scan: s.outcome.name, thickness_um: h.edges[i], density: h.counts[i] / total / (h.edges[i + 1] - h.edges[i]) });
    dist.push({ scan: s.outcome.name, thickness_um: h.edges[h.counts.length], density: 0 });
  }
  if (dist.length) await figure(thicknessDistributionSpec(dist), 'Distribution of the Li thickness over the map columns, normalised per scan.');
  const active: { scan: string; mode: string; stripped_fraction: number; active_fraction: number }[] = [];
  for (const s of scans) {
    for (const r of s.stripping?.uniform?.rows ?? []) active.push({ scan: s.outcome.name, mode: 'uniform', stripped_fraction: r.stripped_fraction, active_fraction: r.active_fraction });
    for (const r of s.stripping?.current?.rows ?? []) active.push({ scan: s.outcome.name, mode: 'current-aware', stripped_fraction: r.stripped_fraction, active_fraction: r.active_fraction });
  }
  const activeFigure: string[] = [];
  if (active.length) activeFigure.push(await chart(activeAreaSpec(active), 'Active (Li-covered) area fraction vs the fraction of Li stripped, one colour per scan; uniform-rate replay solid, current-aware replay dashed.'));

  const ok = o.outcomes.filter((x) => x.status === 'ok').length;
  const failed = o.outcomes.length - ok;
  const fractions = [...new Set(scans.flatMap((s) => s.stripping?.at ?? []))].sort((a, b) => a - b);
  const shownFraction = fractions.length ? fractions.reduce((best, f) => (Math.abs(f - 0.85) < Math.abs(best - 0.85) ? f : best)) : null;
  const sections: Section[] = [
    {
      id: 'scans',
      title: 'Scans',
      intro: `${o.outcomes.length} scans: ${ok} ok${failed ? `, ${failed} failed` : ''}. Every number comes from the scan's own run folder (its report.html is linked). All columns are in summary.csv.`,
      html: [scanTableHtml(scans, shownFraction)],
    },
    { id: 'inventory', title: 'Li inventory and thickness', html: figures.length ? [`<div class="figs">${figures.join('\n')}</div>`] : ['<p class="intro">No scan has thickness results.</p>'] },
    { id: 'active-area', title: 'Active area while stripping', html: activeFigure.length ? [`<div class="figs">${activeFigure.join('\n')}</div>`] : ['<p class="intro">No scan has stripping results.</p>'] },
  ];
  if (failed)
    sections.push({
      id: 'failures',
      title: 'Failed scans',
      html: [plainTable(['scan', 'input', 'error', 'log'], o.outcomes.filter((x) => x.status !== 'ok').map((x) => [x.name, x.input, x.error ?? '', `${x.name}/run.log`]))],
    });
  sections.push(
    { id: 'columns', title: 'Columns of summary.csv', html: [plainTable(['column', 'meaning'], columns.map((c) => [c.key, c.doc]))] },
    { id: 'config', title: 'Configuration', intro: o.configFile ? `Configuration file ${o.configFile}, the same for every scan.` : 'The same for every scan.', html: [configTableHtml(configTable(o.cfg))] },
  );
  const html = renderReportHtml({
    title: `Batch summary — ${o.outcomes.length} scan${o.outcomes.length === 1 ? '' : 's'}`,
    subtitle: `${path.resolve(o.dir)} · ${o.mode === 'local' ? 'run on this machine' : `run by queue workers (${o.mode})`} · ${ok} ok${failed ? `, ${failed} failed` : ''}`,
    sections,
    footer: `buried batch ${packageVersion()} · ${new Date().toISOString()}`,
  }).replace('</style>', '.bad { color: #c0392b; font-weight: 600; }\n</style>');
  await writeFileAtomically(htmlPath, html);

  const batch = {
    tool: 'buried batch',
    version: packageVersion(),
    written: new Date().toISOString(),
    mode: o.mode,
    config_file: o.configFile ?? null,
    scans: o.outcomes.map((x) => ({ name: x.name, input: x.input, out: x.name, status: x.status, error: x.error, kind: x.kind ?? null, seconds: x.seconds, attempts: x.attempts, worker: x.worker, job_id: x.job_id ?? null, stages: x.stages })),
    files: { csv: 'summary.csv', html: 'summary.html' },
  };
  await writeFileAtomically(jsonPath, `${JSON.stringify(batch, null, 2)}\n`);
  return { csv: csvPath, html: htmlPath, json: jsonPath };
}
