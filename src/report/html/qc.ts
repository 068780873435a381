/**
 * The report's QC parts, rendered from a segment report's QC block: the red banner (confidence
 * low only) and the QC section (layout and evidence, field of view, checks, contrast, figures).
 * Absent QC block (classes mode, segmentations from before QC): neither.
 */
import type { QcBlock } from '../../segment/types.js';
import { gridTableHtml, type Banner, type Figure, type Row, type Section } from './index.js';

/** The banner shown at the very top of the page, or null unless confidence is low. */
export function qcBanner(qc: QcBlock | null | undefined): Banner | null {
  if (!qc || qc.confidence !== 'low') return null;
  return {
    title: 'Segmentation confidence low: the numbers in this report may be wrong',
    items: qc.warnings.length ? qc.warnings : ['no reason given by the QC checks'],
    link: '#qc',
  };
}

const num = (v: unknown): string => (typeof v === 'number' ? (Number.isFinite(v) ? String(+v.toPrecision(4)) : String(v)) : v === null || v === undefined ? '—' : String(v));
const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

/** Evidence as one short line: key = value pairs, numbers to 4 digits, nested objects inline, cut at `max` characters. */
export function compactEvidence(evidence: Record<string, unknown>, max = 400): string {
  const round = (_k: string, v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? +v.toPrecision(4) : v);
  const text = Object.entries(evidence)
    .map(([k, v]) => `${k} = ${typeof v === 'object' && v !== null ? JSON.stringify(v, round) : num(v)}`)
    .join('; ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text || '—';
}

export function qcSection(qc: QcBlock, phaseNames: Record<string, string>, figures: Figure[]): Section {
  const name = (code: string) => phaseNames[code] ?? code;
  const l = qc.layout;
  const foil = Number(l.evidence.cathode_foil ?? 0);
  const fov = qc.field_of_view;
  const rows: Row[] = [
    { label: 'confidence', value: qc.confidence, note: qc.confidence === 'low' ? 'an error-level check failed (see the table below)' : 'every error-level check passed' },
    { label: 'layout', value: `${l.name} (${l.source})`, note: `stack normal ${l.normal_axis}; collector ${l.collector}${foil > 0 ? `; a current collector foil beyond the cathode (${foil} voxels)` : ''}; ${l.electrodes} Li electrode${l.electrodes === 1 ? '' : 's'}` },
    { label: 'layout evidence', value: compactEvidence(l.evidence) },
    {
      label: 'field of view',
      value: fov.detected ? `masked ${pct(fov.masked_fraction)} (axis ${fov.axis ?? '—'}, fill ${num(fov.fill)})` : 'not detected: every voxel analysed',
      note: compactEvidence(fov.evidence),
    },
    { label: 'decided by fallback rules', value: pct(qc.fallback_fraction), note: 'voxels whose phase came from a fallback rule, without direct evidence' },
    { label: 'smallest contrast', value: num(qc.contrast.min_separation), note: '|Δ median| / robust σ of the cleaner phase, over phases in contact' },
  ];
  const checks = gridTableHtml(
    'Checks',
    ['check', 'value', 'limit', 'result', 'meaning'],
    qc.checks.map((c) => [c.name, num(c.value), c.limit, c.ok ? 'ok' : c.severity === 'error' ? 'FAILED' : 'failed (note)', c.message]),
  );
  const contrast = gridTableHtml(
    'Contrast between phases in contact',
    ['pair', 'interior mean a / b', 'σ a / b', 'separation |Δ median| / robust σ'],
    qc.contrast.pairs.map((p) => [`${name(p.a)} | ${name(p.b)}`, `${num(qc.contrast.phase_means[p.a])} / ${num(qc.contrast.phase_means[p.b])}`, `${num(qc.contrast.phase_sigmas[p.a])} / ${num(qc.contrast.phase_sigmas[p.b])}`, num(p.separation)]),
  );
  return {
    id: 'qc',
    title: 'Segmentation quality',
    intro: `How far the labels can be trusted. Confidence ${qc.confidence}${qc.warnings.length ? `: ${qc.warnings.join('; ')}` : ''}. Look at the slices: colour spilling over an edge of the scan is a wrong boundary.`,
    tables: [{ caption: 'Layout, field of view, fallback', rows }],
    html: [checks, contrast],
    figures,
  };
}
