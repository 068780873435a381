import { memoryReport } from '../../report/memory.js';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { writeFileAtomically } from '../../io/atomic.js';
import { loadVolume } from '../../io/open.js';
import { ensureOutputDir, FORCE_HELP } from '../input-options.js';
import { action, emit, renamedFlag } from '../run-command.js';
import { createProgress } from '../../io/progress.js';
import type { HistoryPoint } from '../../fem/contact.js';
import type { Material } from '../../fem/material.js';
import { asperityLength, electrolyteMaterial, liMaterial, profilesCsv, runContact } from '../../fem/contact-run.js';
import { liMaterialParams, liYieldStress, type LiMaterial } from '../../fem/li-material.js';
import { MaterialError, checkMaterial } from '../../fem/material.js';
import { parseProfileCsv, resamplePeriodic, selfAffineProfile, wavyProfile } from '../../fem/profile.js';
import { FEM_FILES } from '../../io/run-folder.js';
import { contactCellFields, writeFieldSeries, type CellFields } from '../../fem/vtu-fields.js';

interface FemFlags {
  out?: string;
  output?: string;
  profile?: string;
  wavy?: string;
  fromHeightMap?: string;
  row?: string;
  rough?: string;
  seed: string;
  lambda?: string;
  pressure?: string;
  history?: string;
  hold?: string;
  li: string;
  electrolyte: string;
  yield?: string;
  liE?: string;
  liNu?: string;
  creepA?: string;
  creepN?: string;
  creepQ?: string;
  yieldBulk?: string;
  yieldRef?: string;
  yieldSizeExponent?: string;
  asperityUm?: string;
  electrolyteE?: string;
  electrolyteNu?: string;
  temperature: string;
  conductivity?: string;
  sigma?: string;
  rct: string;
  thickness?: string;
  nx: string;
  ny: string;
  stepTol: string;
  solver?: string;
  json?: boolean;
  force?: boolean;
  vtu?: string;
}

function num(flag: string, text: string, opts: { positive?: boolean; min?: number } = {}): number {
  const v = Number(text);
  if (!Number.isFinite(v)) throw new InputError(`${flag} must be a number, got '${text}'`);
  if (opts.positive && !(v > 0)) throw new InputError(`${flag} must be positive, got '${text}'`);
  if (opts.min !== undefined && v < opts.min) throw new InputError(`${flag} must be ≥ ${opts.min}, got '${text}'`);
  return v;
}

function list(flag: string, text: string, n: number): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== n) throw new InputError(`${flag} needs ${n} comma-separated numbers, got '${text}'`);
  return parts.map((p) => num(flag, p));
}

export function parseHistory(text: string): HistoryPoint[] {
  const pts = text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [t, p] = s.split(':');
    if (p === undefined) throw new InputError(`--history entries are time:pressure, got '${s}'`);
    return { t: num('--history time', t, { min: 0 }), p: num('--history pressure', p, { positive: true }) };
  });
  if (pts.length === 0) throw new InputError('--history is empty');
  for (let k = 1; k < pts.length; k++) if (!(pts[k].t >= pts[k - 1].t)) throw new InputError('--history times must not decrease');
  return pts;
}

async function profileFrom(flags: FemFlags, nx: number): Promise<{ lambda: number; h: Float64Array; source: string }> {
  const given = [flags.profile, flags.wavy, flags.fromHeightMap, flags.rough].filter((v) => v !== undefined).length;
  if (given !== 1) throw new InputError('give exactly one of --profile, --wavy, --from-height-map, --rough');
  if (flags.wavy) {
    const [H, lambda] = list('--wavy', flags.wavy, 2);
    if (!(H > 0) || !(lambda > 0)) throw new InputError('--wavy H,LAMBDA must be positive');
    return { lambda, h: wavyProfile(H, lambda, nx), source: `wavy h(x) = ${H}(1 − cos 2πx/${lambda}) µm` };
  }
  if (flags.rough) {
    const [rms, hurst, lmin, lmax] = list('--rough', flags.rough, 4);
    const lambda = flags.lambda ? num('--lambda', flags.lambda, { positive: true }) : lmax;
    const seed = Number(flags.seed);
    if (!Number.isInteger(seed)) throw new InputError(`--seed must be an integer, got '${flags.seed}'`);
    try {
      return { lambda, h: selfAffineProfile(rms, hurst, lmin, lmax, lambda, nx, seed), source: `self-affine rms ${rms} µm, H ${hurst}, ${lmin}–${lmax} µm, seed ${seed}` };
    } catch (e) {
      throw new InputError(`--rough: ${(e as Error).message}`);
    }
  }
  if (flags.profile) {
    let text: string;
    try { text = await fs.readFile(flags.profile, 'utf8'); } catch { throw new InputError('cannot read profile', flags.profile); }
    let parsed;
    try { parsed = parseProfileCsv(text); } catch (e) { throw new InputError((e as Error).message, flags.profile); }
    return { lambda: parsed.lambda, h: resamplePeriodic(parsed.h, nx), source: `profile ${flags.profile}` };
  }
  const vol = await loadVolume(flags.fromHeightMap!);
  const [nz, ny, nxv] = vol.shape;
  const row = flags.row === undefined ? Math.floor(ny / 2) : num('--row', flags.row, { min: 0 });
  if (!Number.isInteger(row) || row >= ny) throw new InputError(`--row must be an integer in 0..${ny - 1}`, flags.fromHeightMap);
  if (nz < 1 || nxv < 4) throw new InputError('height map too small', flags.fromHeightMap);
  const dx = vol.spacing ? vol.spacing[2] : 1;
  const samples = new Float64Array(nxv);
  for (let i = 0; i < nxv; i++) {
    const v = Number(vol.data[row * nxv + i]);
    if (!Number.isFinite(v)) throw new InputError(`non-finite height at row ${row}, column ${i}`, flags.fromHeightMap);
    samples[i] = v;
  }
  return { lambda: dx * nxv, h: resamplePeriodic(samples, nx), source: `height map ${flags.fromHeightMap} row ${row} (dx ${dx} µm${vol.spacing ? '' : ', voxel size unknown: 1 µm assumed'})` };
}

const r6 = (v: number) => +v.toPrecision(6);

/** The command-line spelling of each Li/electrolyte parameter, for one-line errors. */
const FLAG_OF: Record<string, string> = {
  'li.E': '--li-e', 'li.nu': '--li-nu', 'li.creepA': '--creep-a', 'li.creepN': '--creep-n', 'li.creepQ': '--creep-q',
  'li.yieldBulk': '--yield-bulk', 'li.yieldRef': '--yield-ref', 'li.sizeRefUm': '--yield-ref', 'li.sizeExponent': '--yield-size-exponent',
  'li.lengthUm': '--asperity-um', 'li.sigmaY': '--yield', 'li.temperatureK': '--temperature', 'electrolyte.E': '--electrolyte-e', 'electrolyte.nu': '--electrolyte-nu',
};

/** Run f, turning a MaterialError into an InputError that names the flag (exit 2). */
function withFlagNames<T>(f: () => T): T {
  try { return f(); } catch (e) {
    if (e instanceof MaterialError) throw new InputError(`${FLAG_OF[e.parameter] ?? e.parameter}: ${e.message.slice(e.parameter.length + 2)}`);
    throw e;
  }
}

function liParamsFromFlags(flags: FemFlags): Partial<LiMaterial> {
  const opt = (flag: string, v: string | undefined, scale = 1) => (v === undefined ? undefined : num(flag, v) * scale);
  const ref = flags.yieldRef === undefined ? undefined : list('--yield-ref', flags.yieldRef, 2);
  return {
    E: opt('--li-e', flags.liE), nu: opt('--li-nu', flags.liNu), creepA: opt('--creep-a', flags.creepA), creepN: opt('--creep-n', flags.creepN),
    creepQ: opt('--creep-q', flags.creepQ, 1e3), yieldBulk: opt('--yield-bulk', flags.yieldBulk), yieldRef: ref?.[0], sizeRefUm: ref?.[1],
    sizeExponent: opt('--yield-size-exponent', flags.yieldSizeExponent),
  };
}

export function registerFem(program: Command): void {
  const fem = program.command('fem').description('2D finite-element models of the buried interface');
  fem
    .command('contact')
    .description('periodic plane-strain contact of Li creeping onto a rough electrolyte under stack pressure, with conduction')
    .option('-o, --out <dir>', 'output folder (created if missing; required)')
    .addOption(new Option('--output <dir>', 'deprecated spelling of --out').hideHelp())
    .option('--profile <file.csv>', 'interface profile: x µm, h µm (uniform, one period)')
    .option('--wavy <H,LAMBDA>', 'wavy electrolyte h(x) = H(1 − cos 2πx/λ) (µm; peak-to-valley 2H, p* = πE*H/λ)')
    .option('--from-height-map <file>', 'float32 TIFF height map (µm), e.g. thickness surface_height_um.tif')
    .option('--row <n>', 'row of the height map (default: middle)')
    .option('--rough <RMS,HURST,LMIN,LMAX>', 'synthetic self-affine roughness (µm)')
    .option('--seed <n>', 'seed for --rough', '1')
    .option('--lambda <um>', 'cell width for --rough (default LMAX)')
    .option('--pressure <mpa>', 'constant stack pressure (MPa)')
    .option('--history <t:p,...>', 'pressure history, seconds:MPa, linear in between')
    .option('--hold <s>', 'hold the last pressure this long (s)')
    .option('--li <law>', 'Li model: elastic|creep|plastic|viscoplastic (creep plus the size-dependent yield cap: permanent set on unloading)', 'creep')
    .option('--electrolyte <kind>', 'electrolyte: elastic|rigid', 'elastic')
    .option('--yield <mpa>', 'fixed Li yield stress (plastic, viscoplastic; default: the size law at --asperity-um) or creep threshold (creep; default 0)')
    .option('--li-e <mpa>', 'Li Young\'s modulus (MPa; default 7820, Masias et al. 2019)')
    .option('--li-nu <x>', 'Li Poisson\'s ratio (default 0.381, Masias et al. 2019)')
    .option('--creep-a <A>', 'Norton prefactor at 298 K (MPa^-n/s; default fitted to Ding et al. 2021: 4.75e-9)')
    .option('--creep-n <n>', 'Norton exponent (default 4.19, Ding et al. 2021)')
    .option('--creep-q <kJ_per_mol>', 'creep activation energy (kJ/mol; default 37, LePage et al. 2019)')
    .option('--yield-bulk <mpa>', 'bulk yield stress, the floor of the size law (MPa; default 0.77, Masias et al. 2019)')
    .option('--yield-ref <MPA,UM>', 'size law anchor: yield MPA at length UM (default 105,0.5; Xu et al. 2017)')
    .option('--yield-size-exponent <m>', 'size law σy ∝ L^-m (default 0.68, Xu et al. 2017; 0 = no size effect)')
    .option('--asperity-um <um>', 'contact/asperity length for the size law (default: mean summit spacing of the profile)')
    .option('--electrolyte-e <mpa>', 'electrolyte Young\'s modulus (MPa; default 25000)')
    .option('--electrolyte-nu <x>', 'electrolyte Poisson\'s ratio (default 0.28)')
    .option('--temperature <K>', 'temperature for the Arrhenius creep factor', '298')
    .option('--conductivity <mS_per_cm>', 'electrolyte ionic conductivity (mS/cm; default 2)')
    .addOption(new Option('--sigma <mS_per_cm>', 'deprecated spelling of --conductivity').hideHelp())
    .option('--rct <ohm_cm2>', 'charge-transfer resistance (0 = equipotential contacts)', '0')
    .option('--thickness <um>', 'electrolyte thickness for conduction (default λ)')
    .option('--nx <n>', 'columns (interface nodes) per period', '256')
    .option('--ny <n>', 'element rows in the Li block (electrolyte: 2/3 of it)', '24')
    .option('--step-tol <x>', 'creep time steps: max change per step of the contact fraction and of the void area (relative to the initial void area)', '0.1')
    .option('--solver <kind>', 'fixed-k (default for elastic/creep Li: modified Newton, the creep tangent refactorised per time step and when the iteration slows) or newton (consistent tangent every slow iteration; always for plastic)')
    .option('--vtu <dir>', 'also write the Li stress and creep/plastic strain fields for ParaView: DIR/fields_NNNN.vtu at load, at each history point and at the end, and DIR/fields.pvd')
    .option('--force', FORCE_HELP)
    .option('--json', 'print the summary as JSON on stdout')
    .action(
      action(async (flags: FemFlags) => {
        const outFlag = renamedFlag<string | undefined>(flags as unknown as Record<string, unknown>, { key: 'out', flag: '--out' }, { key: 'output', flag: '--output' });
        if (outFlag.value === undefined) throw new InputError("required option '-o, --out <dir>' not specified");
        const out: string = outFlag.value;
        const conductivity = renamedFlag<string | undefined>(flags as unknown as Record<string, unknown>, { key: 'conductivity', flag: '--conductivity' }, { key: 'sigma', flag: '--sigma' });
        const nx = num('--nx', flags.nx, { positive: true });
        const ny = num('--ny', flags.ny, { positive: true });
        if (!Number.isInteger(nx) || nx < 8) throw new InputError('--nx must be an integer ≥ 8');
        if (!Number.isInteger(ny) || ny < 2) throw new InputError('--ny must be an integer ≥ 2');
        if (!['elastic', 'creep', 'plastic', 'viscoplastic'].includes(flags.li)) throw new InputError(`--li must be elastic, creep, plastic or viscoplastic, got '${flags.li}'`);
        if (flags.solver !== undefined && !['fixed-k', 'newton'].includes(flags.solver)) throw new InputError(`--solver must be fixed-k or newton, got '${flags.solver}'`);
        if (!['elastic', 'rigid'].includes(flags.electrolyte)) throw new InputError(`--electrolyte must be elastic or rigid, got '${flags.electrolyte}'`);
        if ((flags.pressure === undefined) === (flags.history === undefined)) throw new InputError('give exactly one of --pressure and --history');
        let history: HistoryPoint[] = flags.pressure !== undefined ? [{ t: 0, p: num('--pressure', flags.pressure, { positive: true }) }] : parseHistory(flags.history!);
        const defaultHold = (flags.li === 'creep' || flags.li === 'viscoplastic') && history.length === 1 ? 1800 : 0;
        const hold = flags.hold !== undefined ? num('--hold', flags.hold, { min: 0 }) : defaultHold;
        if (hold > 0) history = [...history, { t: history[history.length - 1].t + hold, p: history[history.length - 1].p }];
        const T = num('--temperature', flags.temperature, { positive: true });
        const sigma = num(conductivity.flag, conductivity.value ?? '2', { positive: true });
        const rct = num('--rct', flags.rct, { min: 0 });
        const stepTol = num('--step-tol', flags.stepTol, { positive: true });
        await ensureOutputDir(out, { files: [FEM_FILES.json, FEM_FILES.csv, FEM_FILES.profiles], force: flags.force });
        if (flags.vtu !== undefined) {
          // checked before the run: a file in the way would otherwise fail after it
          const st = await fs.stat(flags.vtu).catch(() => null);
          if (st && !st.isDirectory()) throw new InputError('--vtu must name a folder, this is a file', flags.vtu);
        }
        const prof = await profileFrom(flags, nx);
        const thickness = flags.thickness ? num('--thickness', flags.thickness, { positive: true }) : prof.lambda;
        const yieldStress = flags.yield !== undefined ? num('--yield', flags.yield, { min: 0 }) : undefined;
        const mat = liParamsFromFlags(flags);
        const lengthUm = flags.asperityUm !== undefined ? num('--asperity-um', flags.asperityUm, { positive: true }) : asperityLength(prof.lambda, prof.h);
        const li = withFlagNames(() => { const m = liMaterial(flags.li as Material['law'], T, yieldStress, mat, lengthUm); checkMaterial(m, 'li'); return m; });
        const electrolyte = withFlagNames(() => electrolyteMaterial(flags.electrolyte as 'elastic' | 'rigid', {
          E: flags.electrolyteE !== undefined ? num('--electrolyte-e', flags.electrolyteE) : undefined,
          nu: flags.electrolyteNu !== undefined ? num('--electrolyte-nu', flags.electrolyteNu) : undefined,
        }));
        const params = withFlagNames(() => liMaterialParams(mat));
        const progress = createProgress('fem contact');
        const saved: Array<{ time: number; fields: CellFields }> = [];
        const run = runContact({
          lambda: prof.lambda, h: prof.h, li, electrolyte, history, stepTol, ny,
          solver: flags.solver as 'fixed-k' | 'newton' | undefined,
          conduction: { thickness, sigmaMsPerCm: sigma, rctOhmCm2: rct },
          conductionPerRecord: true,
          onTime: (t, tEnd) => progress.update(Math.round((1000 * t) / Math.max(tEnd, 1e-30)), 1000),
          onSaved: flags.vtu !== undefined ? (rec, c) => saved.push({ time: rec.t, fields: contactCellFields(c) }) : undefined,
        });
        const { cell, records } = run;
        const rows = records.map((rec, k) => ({ ...rec, ...run.conductionPerRecord[k] }));
        const last = records[records.length - 1];
        progress.finish(`${records.length} records, contact fraction ${r6(last.contact_fraction)}`);
        const finalCond = run.final;
        let worstFb = 0, minGap = Infinity;
        for (const r of records) { worstFb = Math.max(worstFb, r.force_balance_error); minGap = Math.min(minGap, r.min_gap_um); }
        const summary = {
          profile: prof.source,
          lambda_um: prof.lambda,
          nx,
          li: li.law,
          electrolyte: flags.electrolyte,
          temperature_K: T,
          creep_A: li.A ?? null,
          material: {
            li: { ...params, law: li.law, E: li.E, nu: li.nu, creep_A_at_T: li.A ?? null, yield_mpa: li.sigmaY ?? null, asperity_um: r6(lengthUm), size_law_yield_mpa: r6(liYieldStress(params, lengthUm)) },
            electrolyte: electrolyte ? { E: electrolyte.E, nu: electrolyte.nu } : 'rigid',
          },
          history_input: history,
          contact_fraction: r6(last.contact_fraction),
          mean_contact_pressure_mpa: r6(last.mean_contact_pressure),
          max_contact_pressure_mpa: r6(last.max_contact_pressure),
          void_area_um2: r6(last.void_area_um2),
          li_top_displacement_um: r6(last.li_top_displacement_um),
          min_gap_um: minGap,
          max_force_balance_error: worstFb,
          conduction: {
            sigma_mS_per_cm: sigma,
            rct_ohm_cm2: rct,
            thickness_um: thickness,
            wagner: r6(finalCond.wagner),
            total_ohm_cm2: r6(finalCond.total_ohm_cm2),
            bulk_ohm_cm2: r6(finalCond.bulk_ohm_cm2),
            constriction_ohm_cm2: r6(finalCond.constriction_ohm_cm2),
            hotspot_p99: r6(finalCond.hotspot_p99),
            hotspot_window_max: r6(finalCond.hotspot_window_max),
            hotspot_window_um: r6(finalCond.hotspot_window_um),
          },
          history: rows.map((r) => ({
            t: r.t, pressure: r.pressure, contact_fraction: r6(r.contact_fraction), mean_contact_pressure: r6(r.mean_contact_pressure),
            max_contact_pressure: r6(r.max_contact_pressure), void_area_um2: r6(r.void_area_um2), li_top_displacement_um: r6(r.li_top_displacement_um),
            constriction_ohm_cm2: r6(r.constriction_ohm_cm2), hotspot_p99: r6(r.hotspot_p99),
          })),
          solver: cell.stats,
          memory: memoryReport(),
        };
        const csvHead = 't_s,pressure_mpa,contact_fraction,mean_contact_pressure_mpa,max_contact_pressure_mpa,void_area_um2,li_top_displacement_um,constriction_ohm_cm2,hotspot_p99';
        const csv = [csvHead, ...summary.history.map((r) => [r.t, r.pressure, r.contact_fraction, r.mean_contact_pressure, r.max_contact_pressure, r.void_area_um2, r.li_top_displacement_um, r.constriction_ohm_cm2, r.hotspot_p99].join(','))].join('\n') + '\n';
        await writeFileAtomically(path.join(out, FEM_FILES.json), `${JSON.stringify(summary, null, 2)}\n`);
        await writeFileAtomically(path.join(out, FEM_FILES.csv), csv);
        await writeFileAtomically(path.join(out, FEM_FILES.profiles), profilesCsv(run, prof.h));
        if (flags.vtu !== undefined) await writeFieldSeries(flags.vtu, 'fields', saved);
        const text = [
          `profile            ${prof.source}, λ = ${r6(prof.lambda)} µm, ${nx} columns`,
          `model              Li ${li.law}, electrolyte ${flags.electrolyte}, T = ${T} K`,
          `final time         ${r6(last.t)} s at ${r6(last.pressure)} MPa (${records.length} records)`,
          `contact fraction   ${r6(last.contact_fraction)}`,
          `contact pressure   mean ${r6(last.mean_contact_pressure)} MPa, max ${r6(last.max_contact_pressure)} MPa`,
          `void area          ${r6(last.void_area_um2)} µm² per period`,
          `constriction       ${r6(finalCond.constriction_ohm_cm2)} Ω·cm² (Wa = ${r6(finalCond.wagner)}, hotspot p99 ${r6(finalCond.hotspot_p99)})`,
          `outputs            ${path.join(out, FEM_FILES.json)}, contact.csv, profiles.csv`,
        ].join('\n');
        emit(Boolean(flags.json), summary, text);
      }),
    );
}
