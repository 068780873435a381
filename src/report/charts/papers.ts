/**
 * The stack-pressure papers against the contact model (src/contact3d/papers.ts), as one Vega-Lite
 * figure: (a) interface resistance vs stack pressure, model line and Doux et al. 2020's points (area-
 * specific: Ω × 1.267 cm²), loading and release; (b) the model's contact fraction during Zhang et al.
 * 2020's 5 h holds (their curves are not given as numbers in the papers, so only the model is drawn).
 */
import type { VlSpec } from './index.js';

export interface PapersResistanceRow { pressure_mpa: number; ohm_cm2: number; series: string; step: number }
export interface PapersContactRow { t_h: number; contact_fraction: number; pressure: string }

export function papersSpec(resistance: PapersResistanceRow[], contact: PapersContactRow[]): VlSpec {
  return {
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    hconcat: [
      {
        title: 'Doux et al. 2020 protocol: R vs stack pressure',
        width: 360,
        height: 260,
        data: { values: resistance },
        mark: { type: 'line', point: { size: 60, filled: true }, strokeWidth: 2 },
        encoding: {
          x: { field: 'pressure_mpa', type: 'quantitative', title: 'stack pressure (MPa)' },
          y: { field: 'ohm_cm2', type: 'quantitative', title: 'R (Ω·cm², log)', scale: { type: 'log' } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical' } },
          order: { field: 'step', type: 'quantitative' },
        },
      },
      {
        title: 'Zhang et al. 2020 protocol: 5 h holds (model)',
        width: 360,
        height: 260,
        data: { values: contact },
        mark: { type: 'line', point: { size: 20 }, strokeWidth: 2 },
        encoding: {
          x: { field: 't_h', type: 'quantitative', title: 'hold time (h)' },
          y: { field: 'contact_fraction', type: 'quantitative', title: 'true contact fraction (coarse × sub-grid)', axis: { format: '.1%' } },
          color: { field: 'pressure', type: 'nominal', title: null, sort: null, legend: { orient: 'bottom', direction: 'vertical' } },
        },
      },
    ],
  };
}
