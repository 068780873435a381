/**
 * Both papers' protocols (papers.ts) as one library call, with the JSON record, the "paper vs model"
 * table and the figure's rows. Used by `buried contact3d --papers`.
 */
import { DOUX_2020, PAPERS_DEFAULTS, ZHANG_2020, runDoux, runZhang, type DouxResult, type PapersOptions, type ZhangSeries } from './papers.js';

export interface PapersRun {
  doux: DouxResult;
  zhang: ZhangSeries[];
  summary: Record<string, unknown>;
  table: string;
  figure: {
    resistance: Array<{ pressure_mpa: number; ohm_cm2: number; series: string; step: number }>;
    contact: Array<{ t_h: number; contact_fraction: number; pressure: string }>;
  };
}

const r4 = (v: number) => +v.toPrecision(4);

export async function runPapers(o: PapersOptions = PAPERS_DEFAULTS): Promise<PapersRun> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const doux = await runDoux(o);
  const zhang = runZhang(o);
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  const rows = doux.rows.map((r) => ({
    stage: r.stage,
    pressure_mpa: r.step.pressure_mpa,
    hold_s: r.step.hold_s,
    paper_ohm: r4(r.paper_ohm_cm2 / DOUX_2020.areaCm2),
    paper_ohm_cm2: r4(r.paper_ohm_cm2),
    paper_lower_bound: r.paper_lower_bound,
    model_interface_ohm_cm2: r4(r.resistance.interface_ohm_cm2),
    model_constriction_ohm_cm2: r4(r.resistance.constriction_ohm_cm2),
    model_charge_transfer_ohm_cm2: r4(r.resistance.charge_transfer_ohm_cm2),
    model_fine_constriction_ohm_cm2: r4(r.fine_constriction_ohm_cm2),
    contact_fraction: r4(r.contact_fraction),
    contact_fraction_coarse: r4(r.step.contact_fraction),
    contact_fraction_coarse_plastic: r4(r.step.contact_fraction_plastic),
    contact_width_um: r4(r.step.contact_width_um),
    yield_mpa: r4(r.step.yield_mpa),
    hardness_mpa: r4(r.step.hardness_mpa),
    crushed_flat: r.step.crushed,
    plastic_solve_unconverged: r.step.plastic_unconverged + r.fine.plastic_unconverged,
    creep_steps: r.step.creep_steps,
    creep_unconverged: r.step.creep_unconverged + r.fine.creep_unconverged,
    fine: {
      spot_pressure_mpa: r4(r.spot_pressure_mpa),
      contact_fraction: r4(r.fine.contact_fraction),
      contact_fraction_plastic: r4(r.fine.contact_fraction_plastic),
      contact_width_um: r4(r.fine.contact_width_um),
      yield_mpa: r4(r.fine.yield_mpa),
      hardness_mpa: r4(r.fine.hardness_mpa),
      crushed_flat: r.fine.crushed,
      creep_steps: r.fine.creep_steps,
    },
  }));
  const summary = {
    papers: { doux_2020: DOUX_2020.citation, zhang_2020: ZHANG_2020.citation },
    calibration: {
      constant: 'rct_ohm_cm2',
      rct_ohm_cm2: r4(doux.rct_ohm_cm2),
      rule: `the one calibration constant: interfacial resistance per true contact area, set so that the model's R(25 MPa) = ${r4(DOUX_2020.loading[5].ohm * DOUX_2020.areaCm2)} Ω·cm² (Doux et al.'s 32 Ω × ${r4(DOUX_2020.areaCm2)} cm²)`,
    },
    assumptions: {
      surface: { ...o.surface, note: 'periodic self-affine; Rq (whole spectrum) from Zhang et al.; Hurst exponent and wavelength cut-offs assumed' },
      fine_scale: { ...o.fine, bands: doux.bands, note: 'two-scale contact (two-scale.ts): the sub-grid band on its own cell at the coarse spots\' pressure, f_true = f_coarse·f_fine; fine creep with the Norton stress divided by the yield\'s size factor when sizeScaledCreep' },
      li: o.li,
      constraint: o.constraint,
      hold_per_step_s: o.holdS,
      hold_note: 'Doux et al. give no hold per step: assumed',
      conduction: { thickness_um: o.thicknessUm, sigma_mS_cm: o.sigmaMsPerCm },
      resistance: 'interface only (constriction + r_ct/f, interface.ts) against the whole symmetric-cell impedance, per Li disc area',
    },
    doux_2020: {
      rows,
      ratios_model: { r1_over_r25: r4(doux.ratios.r1_over_r25), r5_over_r25: r4(doux.ratios.r5_over_r25), release5_over_load5: r4(doux.ratios.release5_over_load5) },
      ratios_paper: { r1_over_r25: r4(doux.paper_ratios.r1_over_r25), r5_over_r25: r4(doux.paper_ratios.r5_over_r25), release5_over_load5: r4(doux.paper_ratios.release5_over_load5) },
    },
    zhang_2020: zhang.map((z) => ({
      pressure_mpa: z.pressure_mpa,
      hold_s: o.zhangHoldS,
      contact_width_um: r4(z.step.contact_width_um),
      hardness_mpa: r4(z.step.hardness_mpa),
      crushed_flat: z.step.crushed,
      contact_fraction_coarse_plastic: r4(z.step.contact_fraction_plastic),
      fine_hardness_mpa: r4(z.fine.hardness_mpa),
      half_hours: z.half_hours.map((x) => ({ t_h: x.t_h, contact_fraction: r4(x.contact_fraction), coarse: r4(x.coarse), fine: r4(x.fine) })),
      creep_steps: z.step.creep_steps,
      creep_unconverged: z.step.creep_unconverged,
    })),
    run: { cpu_s: r4((cpu.user + cpu.system) / 1e6), wall_s: r4(wall), threads: 1 },
  };
  const pad = (s: string, n: number) => s.padEnd(n);
  const lines = [
    `Doux et al. 2020 (Fig 4c): symmetric-cell impedance × ${r4(DOUX_2020.areaCm2)} cm² vs model interface resistance (hold ${o.holdS} s per step; r_ct = ${r4(doux.rct_ohm_cm2)} Ω·cm², calibrated at 25 MPa)`,
    `${pad('step', 16)}${pad('paper Ω·cm²', 14)}${pad('model Ω·cm²', 14)}${pad('constriction', 14)}${pad('true contact', 14)}${pad('coarse', 9)}${pad('fine', 9)}hardness MPa coarse / fine`,
    ...rows.map((r) => `${pad(`${r.stage} ${r.pressure_mpa} MPa`, 16)}${pad(`${r.paper_lower_bound ? '>' : ''}${r.paper_ohm_cm2}`, 14)}${pad(String(r.model_interface_ohm_cm2), 14)}${pad(String(r.model_constriction_ohm_cm2), 14)}${pad(`${(100 * r.contact_fraction).toFixed(2)} %`, 14)}${pad(`${(100 * r.contact_fraction_coarse).toFixed(1)} %`, 9)}${pad(`${(100 * r.fine.contact_fraction).toFixed(1)} %`, 9)}${r.crushed_flat ? 'flat' : r.hardness_mpa} / ${r.fine.crushed_flat ? 'flat' : r.fine.hardness_mpa}`),
    `ratios         paper: R1/R25 ${summary.doux_2020.ratios_paper.r1_over_r25}, R5/R25 ${summary.doux_2020.ratios_paper.r5_over_r25}, release/R5 ${summary.doux_2020.ratios_paper.release5_over_load5}`,
    `               model: R1/R25 ${summary.doux_2020.ratios_model.r1_over_r25}, R5/R25 ${summary.doux_2020.ratios_model.r5_over_r25}, release/R5 ${summary.doux_2020.ratios_model.release5_over_load5}`,
    `Zhang et al. 2020: model true contact fraction (coarse × fine) during the ${o.zhangHoldS / 3600} h hold (paper: growing over 5 h, fastest in the first 30 min)`,
    `${pad('pressure', 12)}${['0 h', '0.5 h', '1 h', '2 h', '5 h'].map((s) => pad(s, 9)).join('')}`,
    ...zhang.map((z) => `${pad(`${z.pressure_mpa} MPa`, 12)}${[0, 0.5, 1, 2, 5].map((t) => pad(`${(100 * (z.half_hours.find((x) => x.t_h === t)?.contact_fraction ?? NaN)).toFixed(2)} %`, 9)).join('')}`),
    `run            ${summary.run.cpu_s} s CPU, ${summary.run.wall_s} s wall, 1 thread`,
  ];
  const figure: PapersRun['figure'] = {
    resistance: [
      ...doux.rows.map((r, k) => ({ pressure_mpa: r.step.pressure_mpa, ohm_cm2: r.resistance.interface_ohm_cm2, series: 'model: 1 → 25 MPa, release to 5', step: k })),
      ...doux.rows.map((r, k) => ({ pressure_mpa: r.step.pressure_mpa, ohm_cm2: r.paper_ohm_cm2, series: 'Doux et al. 2020 Fig 4c (× 1.267 cm²)', step: k })),
    ],
    contact: zhang.flatMap((z) => z.half_hours.map((x) => ({ t_h: x.t_h, contact_fraction: x.contact_fraction, pressure: `model, ${z.pressure_mpa} MPa` }))),
  };
  return { doux, zhang, summary, table: lines.join('\n'), figure };
}
