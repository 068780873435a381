/** Hand-made QC blocks for the tests (the rules that produce them live in src/segment/qc.ts). */
import type { QcBlock } from '../src/segment/types.js';

export function qcBlock(confidence: 'high' | 'low', warnings: string[] = []): QcBlock {
  return {
    confidence,
    warnings,
    layout: { name: 'anode-free', normal_axis: 'z', source: 'detected', requested: null, collector: 'carbon', electrodes: 1, evidence: { collector_slab: { end: 'start', run: 12 }, li_side: 'low' } },
    field_of_view: { detected: true, axis: 'z', fill: 0, masked_fraction: 0.125, evidence: { circle_radius_px: 30 } },
    contrast: { phase_means: { '0': 900, '1': 1400, '2': 2600 }, phase_sigmas: { '0': 80, '1': 100, '2': 120 }, pairs: [{ a: '0', b: '1', separation: 4.5 }, { a: '1', b: '2', separation: 10 }], min_separation: 4.5 },
    fallback_fraction: 0.0125,
    checks: [
      { name: 'contrast', ok: confidence === 'high', severity: 'error', value: confidence === 'high' ? 4.5 : 0.4, limit: '≥ 2.0', message: 'adjacent phases are separated' },
      { name: 'fragmentation', ok: true, severity: 'note', value: '3 %', limit: '≤ 5 %', message: 'few islands' },
    ],
  };
}
