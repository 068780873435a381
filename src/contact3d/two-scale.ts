/**
 * Two-scale (hierarchical) rough contact: the roughness below the coarse grid's shortest wavelength
 * on its own small periodic cell, pressed at the coarse spots' mean contact pressure. The picture of
 * Archard 1957 (asperities on asperities, Proc. R. Soc. Lond. A 243:190, doi 10.1098/rspa.1957.0214)
 * and Persson 2001 (contact seen at increasing magnification, J. Chem. Phys. 115:3840,
 * doi 10.1063/1.1388626): the true contact is f_true = f_coarse · f_fine.
 *
 * Why: at the coarse scale (λ ≥ 6.25 µm) the contacts grow to tens of µm by 10–15 MPa, where the
 * size-dependent yield falls to the bulk 0.77 MPa and the Li is pressed flat; the sub-µm asperities
 * of the same spectrum meet Li that is tens to hundreds of MPa strong (σy(L) at their own width), so
 * their contact keeps growing with pressure, and their plastic set (and creep sink) is permanent.
 *
 * Spectrum: one self-affine spectrum C ∝ q^−2(1+H) over [spectrumLmin, λmax] with rms Rq; a band's
 * rms follows from Rq² ∝ λmax^2H − λmin^2H (bandRms). The fine cell is λ_coarse,min wide (the longest
 * sub-grid wavelength), its band from lminUm (≥ 2 pixels) up to that. Mean field: one fine cell
 * stands for every coarse spot; it keeps its history (set and sink) across the steps, and creeps
 * under the coarse spots' pressure P/f_coarse(t) as the coarse hold goes on.
 */
import type { HistoryPoint } from '../fem/index.js';
import { pressStep, type PressOptions, type PressStep } from './press.js';
import { selfAffineSurface } from './surface.js';

export interface FineScaleOptions {
  /** Pixels per side of the fine cell (its side is the coarse surface's λmin). */
  n: number;
  /** Shortest wavelength resolved on the fine cell (µm, ≥ 2 pixels). */
  lminUm: number;
  /** Shortest wavelength of the whole spectrum (µm): the band below lminUm is not resolved (its rms is reported). */
  spectrumLminUm: number;
  seed: number;
  /** Creep of the fine spots with the Norton stress divided by the yield's size factor (see press.ts); false = bulk creep. */
  sizeScaledCreep: boolean;
}

/** Rms (µm) of the band [lo, hi] of a self-affine spectrum whose whole band [lmin, lmax] has rms rq. */
export function bandRms(rq: number, hurst: number, lminUm: number, lmaxUm: number, lo: number, hi: number): number {
  const m = (a: number, b: number) => Math.pow(b, 2 * hurst) - Math.pow(a, 2 * hurst);
  return rq * Math.sqrt(m(lo, hi) / m(lminUm, lmaxUm));
}

export interface SurfaceBands {
  rq_total_um: number;
  coarse: { lmin_um: number; lmax_um: number; rms_um: number };
  fine: { lmin_um: number; lmax_um: number; rms_um: number; cell_um: number; n: number };
  unresolved: { lmin_um: number; lmax_um: number; rms_um: number };
}

export interface TwoScaleSurface { rms: number; hurst: number; lminUm: number; lmaxUm: number; seed: number; cellUm: number; n: number }

export function surfaceBands(s: TwoScaleSurface, f: FineScaleOptions): SurfaceBands {
  const b = (lo: number, hi: number) => bandRms(s.rms, s.hurst, f.spectrumLminUm, s.lmaxUm, lo, hi);
  return {
    rq_total_um: s.rms,
    coarse: { lmin_um: s.lminUm, lmax_um: s.lmaxUm, rms_um: b(s.lminUm, s.lmaxUm) },
    fine: { lmin_um: f.lminUm, lmax_um: s.lminUm, rms_um: b(f.lminUm, s.lminUm), cell_um: s.lminUm, n: f.n },
    unresolved: { lmin_um: f.spectrumLminUm, lmax_um: f.lminUm, rms_um: b(f.spectrumLminUm, f.lminUm) },
  };
}

/** The coarse (λmin–λmax on the cell) and fine (the sub-grid band on its own cell) height maps. */
export function twoScaleSurfaces(s: TwoScaleSurface, f: FineScaleOptions): { coarse: Float64Array; fine: Float64Array; bands: SurfaceBands } {
  const bands = surfaceBands(s, f);
  const coarse = selfAffineSurface({ rms: bands.coarse.rms_um, hurst: s.hurst, lminUm: s.lminUm, lmaxUm: s.lmaxUm, seed: s.seed }, s.cellUm, s.n);
  const fine = selfAffineSurface({ rms: bands.fine.rms_um, hurst: s.hurst, lminUm: f.lminUm, lmaxUm: s.lminUm, seed: f.seed }, s.lminUm, f.n);
  return { coarse, fine, bands };
}

/** The coarse spots' mean contact pressure P/f(t) over a step's records (t ascending, repeats dropped). */
export function spotPressureHistory(coarse: PressStep): HistoryPoint[] {
  const out: HistoryPoint[] = [];
  for (const r of coarse.records) {
    const p = coarse.pressure_mpa / Math.max(r.contact_fraction, 1e-12);
    if (out.length > 0 && r.t <= out[out.length - 1].t) out[out.length - 1] = { t: out[out.length - 1].t, p };
    else out.push({ t: r.t, p });
  }
  return out;
}

export interface TwoScaleStep {
  coarse: PressStep;
  fine: PressStep;
  /** f_true = f_coarse · f_fine at the step's end. */
  contact_fraction: number;
  /** The fine cell's pressure at the step's start (MPa): the coarse spots' mean pressure. */
  spot_pressure_mpa: number;
}

/**
 * One pressure step at both scales: the coarse step (pressStep on hc), then the fine cell hf at the
 * coarse spots' pressure, creeping under its history through the hold. hc and hf change in place.
 */
export function pressTwoScale(hc: Float64Array, hf: Float64Array, P: number, holdS: number, o: PressOptions & { surface: { lminUm: number } }, fine: FineScaleOptions): TwoScaleStep {
  const coarse = pressStep(hc, P, holdS, o);
  const hist = spotPressureHistory(coarse);
  const cell = { n: fine.n, cellUm: o.surface.lminUm, sizeScaledCreep: fine.sizeScaledCreep };
  const hold = holdS > 0 ? (hist.length > 1 ? hist : [hist[0], { t: holdS, p: hist[0].p }]) : undefined;
  const f = pressStep(hf, hist[0].p, holdS, o, cell, hold);
  return { coarse, fine: f, contact_fraction: coarse.contact_fraction * f.contact_fraction, spot_pressure_mpa: hist[0].p };
}
