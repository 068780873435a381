import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { writeAtomically, writeFileAtomically } from '../../io/atomic.js';
import { loadVolume } from '../../io/open.js';
import { writeTiff } from '../../io/tiff/index.js';
import { writeVti } from '../../io/vti.js';
import { makeVolume } from '../../io/volume.js';
import { ensureOutputDir, FORCE_HELP } from '../input-options.js';
import { action, emit } from '../run-command.js';
import { createProgress } from '../../io/progress.js';
import { arrhenius, LI_DEFAULTS, LPSCL_DEFAULTS, type HistoryPoint } from '../../fem/index.js';
import { heightMapFromVolume, historyCsv, runContact3d, type HeightMap } from '../../contact3d/run.js';
import { selfAffineSurface } from '../../contact3d/surface.js';
import type { LiBem } from '../../contact3d/simulate.js';
import { FIXED_GAP_STIFFNESS_MPA_PER_UM, SPRING_STIFFNESS_MPA_PER_UM, type CellLoading } from '../../contact3d/cell.js';
import { parseHistory } from './fem.js';
import { RCT_CALIBRATED_OHM_CM2 } from '../../contact3d/interface.js';
import { runPapersCommand } from './contact3d-papers.js';
import { LI_UM_PER_MAH_CM2 } from '../../thickness/map-plan.js';

export const CONTACT3D_FILES = { json: 'contact3d.json', csv: 'contact3d.csv', map: 'contact_map.tif', pressure: 'pressure_mpa.tif', fields: 'contact_fields.vti' } as const;

interface Contact3dFlags {
  out?: string;
  height?: string;
  rough3d?: string;
  size: string;
  n?: string;
  seed: string;
  pressure?: string;
  ramp: string;
  hold?: string;
  history?: string;
  li: string;
  yield?: string;
  constraint: string;
  temperature: string;
  electrolyte: string;
  stepTol: string;
  thickness?: string;
  conductivity: string;
  rct: string;
  grid: string;
  current: boolean;
  cell: string;
  cellStiffness?: string;
  foilUm: string;
  plating?: string;
  papers?: boolean;
  papersHold: string;
  json?: boolean;
  force?: boolean;
}

function num(flag: string, text: string, opts: { positive?: boolean; min?: number; integer?: boolean } = {}): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new InputError(`${flag} must be a number, got '${text}'`);
  if (opts.positive && !(v > 0)) throw new InputError(`${flag} must be positive, got '${text}'`);
  if (opts.min !== undefined && v < opts.min) throw new InputError(`${flag} must be ≥ ${opts.min}, got '${text}'`);
  if (opts.integer && !Number.isInteger(v)) throw new InputError(`${flag} must be an integer, got '${text}'`);
  return v;
}

async function heightMap(flags: Contact3dFlags): Promise<HeightMap> {
  if ((flags.height === undefined) === (flags.rough3d === undefined)) throw new InputError('give exactly one of --height FILE and --rough-3d RMS,HURST,LMIN,LMAX');
  if (flags.height !== undefined) return heightMapFromVolume(await loadVolume(flags.height), flags.height);
  const parts = flags.rough3d!.split(',');
  if (parts.length !== 4) throw new InputError(`--rough-3d needs 4 comma-separated numbers RMS,HURST,LMIN,LMAX (µm), got '${flags.rough3d}'`);
  const [rms, hurst, lmin, lmax] = parts.map((s) => num('--rough-3d', s));
  const n = num('--n', flags.n ?? '256', { integer: true, min: 8 });
  const L = flags.size !== '' ? num('--size', flags.size, { positive: true }) : lmax;
  const seed = num('--seed', flags.seed, { integer: true });
  let h: Float64Array;
  try {
    h = selfAffineSurface({ rms, hurst, lminUm: lmin, lmaxUm: lmax, seed }, L, n);
  } catch (e) {
    throw new InputError(`--rough-3d: ${(e as Error).message}`);
  }
  return { h, ny: n, nx: n, dy: L / n, dx: L / n, source: `self-affine rms ${rms} µm, Hurst ${hurst}, ${lmin}–${lmax} µm, seed ${seed}, ${n}² pixels on ${L} µm`, lminUm: lmin };
}

function historyOf(flags: Contact3dFlags): HistoryPoint[] {
  if ((flags.pressure === undefined) === (flags.history === undefined)) throw new InputError('give exactly one of --pressure and --history');
  let hist: HistoryPoint[];
  if (flags.history !== undefined) hist = parseHistory(flags.history);
  else {
    const p = num('--pressure', flags.pressure!, { positive: true });
    const ramp = num('--ramp', flags.ramp, { min: 0 });
    hist = ramp > 0 ? [{ t: 0, p: 0 }, { t: ramp, p }] : [{ t: 0, p }];
  }
  const hold = flags.hold !== undefined ? num('--hold', flags.hold, { min: 0 }) : 0;
  const last = hist[hist.length - 1];
  if (hold > 0) hist = [...hist, { t: last.t + hold, p: last.p }];
  return hist;
}

function cellOf(flags: Contact3dFlags): CellLoading {
  if (!['pressure', 'gap', 'spring'].includes(flags.cell)) throw new InputError(`--cell must be pressure, gap or spring, got '${flags.cell}'`);
  if (flags.cell === 'pressure') {
    if (flags.cellStiffness !== undefined) throw new InputError('--cell-stiffness needs --cell gap or spring');
    return { kind: 'pressure' };
  }
  const kind = flags.cell as 'gap' | 'spring';
  const def = kind === 'gap' ? FIXED_GAP_STIFFNESS_MPA_PER_UM : SPRING_STIFFNESS_MPA_PER_UM;
  const k = flags.cellStiffness !== undefined ? num('--cell-stiffness', flags.cellStiffness, { positive: true }) : def;
  return { kind, stiffnessMpaPerUm: k };
}

export function registerContact3d(program: Command): void {
  program
    .command('contact3d')
    .description('3D rough contact of Li on the electrolyte surface: FFT boundary elements (elastic, plastic or creeping Li) and the 3D current constriction under the contact map')
    .option('-o, --out <dir>', 'output folder (created if missing; required)')
    .option('--height <file>', 'surface height map [1, ny, nx] in µm with its pixel size, e.g. thickness/surface_height_um.tif')
    .option('--rough-3d <RMS,HURST,LMIN,LMAX>', 'synthetic self-affine surface (µm): rms height, Hurst exponent, shortest and longest wavelength')
    .option('--size <um>', 'cell side for --rough-3d (default LMAX)', '')
    .option('--n <pixels>', 'pixels per side for --rough-3d (default 256) or --papers (default 64)')
    .option('--seed <n>', 'seed for --rough-3d', '1')
    .option('--pressure <mpa>', 'stack pressure (MPa), reached by a linear ramp of --ramp seconds')
    .option('--ramp <s>', 'ramp time to --pressure (0 = applied at once)', '60')
    .option('--hold <s>', 'hold the final pressure this long (s)')
    .option('--history <t:p,...>', 'pressure history, seconds:MPa, linear in between (instead of --pressure/--ramp)')
    .option('--li <law>', 'Li model: elastic|plastic|creep', 'creep')
    .option('--yield <mpa>', `Li yield stress: hardness c·σy of plastic Li (default ${LI_DEFAULTS.sigmaY}), creep threshold of creeping Li (default 0); size-dependent values allowed`)
    .option('--constraint <c>', 'hardness / flow stress ratio c (Tabor)', '3')
    .option('--temperature <K>', 'temperature for the Arrhenius creep factor (Q = 37 kJ/mol)', '298')
    .option('--electrolyte <kind>', 'electrolyte: elastic (Li6PS5Cl) | rigid', 'elastic')
    .option('--cell <kind>', 'cell loading: pressure (the history is the stack pressure) | gap (fixed gap) | spring: gap and spring lock the fixture at the end of the last pressure change, then the pressure follows the foil creep and void closure', 'pressure')
    .option('--cell-stiffness <mpa_per_um>', `fixture stiffness, MPa per µm of stack height (default gap ${FIXED_GAP_STIFFNESS_MPA_PER_UM} calibrated, spring ${SPRING_STIFFNESS_MPA_PER_UM.toPrecision(3)} = 3 × 5.5 lb/mm on 0.785 cm²)`)
    .option('--foil-um <um>', 'Li foil thickness of a gap or spring cell (µm)', '100')
    .option('--plating <mA_cm2>', 'a charging gap or spring cell: Li plated onto the foil at this current density after the fixture locks (4.85 µm per mAh/cm²); the pressure rises by the fixture stiffness, less the creep')
    .option('--step-tol <x>', 'creep: max change of the contact fraction per time step', '0.05')
    .option('--thickness <um>', 'electrolyte thickness for the current constriction (default: the cell side)')
    .option('--conductivity <mS_per_cm>', 'electrolyte ionic conductivity (mS/cm)', '2')
    .option('--rct <ohm_cm2>', `interfacial (charge-transfer/film) resistance per true contact area, added as r_ct/f to the constriction in interface_ohm_cm2 (default: calibrated to Doux et al. 2020's 25 MPa impedance, see --papers)`, String(RCT_CALIBRATED_OHM_CM2))
    .option('--grid <n>', 'long side of the conduction grid in pixels (0 = the map\'s own)', '256')
    .option('--no-current', 'skip the current constriction')
    .option('--papers', 'run the stack-pressure papers\' protocols instead (Doux et al. 2020 loading/release, Zhang et al. 2020 holds): papers.json, papers.svg and a paper-vs-model table; uses --n (default 64 here)')
    .option('--papers-hold <s>', 'hold per pressure step of the Doux et al. protocol (the paper gives none)', '1200')
    .option('--force', FORCE_HELP)
    .option('--json', 'print the summary as JSON on stdout')
    .action(
      action(async (flags: Contact3dFlags) => {
        if (flags.out === undefined) throw new InputError("required option '-o, --out <dir>' not specified");
        const out = flags.out;
        if (flags.papers) {
          const own = (['height', 'rough3d', 'pressure', 'history', 'hold', 'cellStiffness', 'plating'] as const).filter((k) => flags[k] !== undefined).map((k) => `--${k === 'rough3d' ? 'rough-3d' : k === 'cellStiffness' ? 'cell-stiffness' : k}`);
          if (flags.cell !== 'pressure') own.push('--cell');
          if (own.length > 0) throw new InputError(`--papers sets its own surface, pressures and cell: drop ${own.join(', ')}`);
          const n = num('--n', flags.n ?? '64', { integer: true, min: 16 });
          await runPapersCommand(out, { n, holdS: num('--papers-hold', flags.papersHold, { min: 0 }), json: Boolean(flags.json), force: flags.force });
          return;
        }
        if (!['elastic', 'plastic', 'creep'].includes(flags.li)) throw new InputError(`--li must be elastic, plastic or creep, got '${flags.li}'`);
        if (!['elastic', 'rigid'].includes(flags.electrolyte)) throw new InputError(`--electrolyte must be elastic or rigid, got '${flags.electrolyte}'`);
        const history = historyOf(flags);
        const T = num('--temperature', flags.temperature, { positive: true });
        const constraint = num('--constraint', flags.constraint, { positive: true });
        const yieldMpa = flags.yield !== undefined ? num('--yield', flags.yield, { min: 0 }) : flags.li === 'plastic' ? LI_DEFAULTS.sigmaY : 0;
        if (flags.li === 'plastic' && !(yieldMpa > 0)) throw new InputError('--yield must be positive for plastic Li');
        const maxP = Math.max(...history.map((h) => h.p));
        if (flags.li === 'plastic' && maxP >= constraint * yieldMpa) throw new InputError(`--pressure ${maxP} MPa is at or above the hardness ${constraint * yieldMpa} MPa (c·σy): the Li would be crushed flat`);
        const stepTol = num('--step-tol', flags.stepTol, { positive: true });
        const cell = cellOf(flags);
        if (cell.kind !== 'pressure' && flags.li !== 'creep') throw new InputError(`--cell ${cell.kind} needs --li creep (the pressure follows the foil's creep)`);
        const foilUm = num('--foil-um', flags.foilUm, { positive: true });
        const plating = flags.plating !== undefined ? num('--plating', flags.plating, { min: 0 }) : 0;
        if (plating > 0 && cell.kind === 'pressure') throw new InputError('--plating needs --cell gap or spring (at constant pressure the fixture follows the growth)');
        const sigma = num('--conductivity', flags.conductivity, { positive: true });
        const rct = num('--rct', flags.rct, { min: 0 });
        const grid = num('--grid', flags.grid, { integer: true, min: 0 });
        const li: LiBem = { E: LI_DEFAULTS.E, nu: LI_DEFAULTS.nu, law: flags.li as LiBem['law'], yieldMpa, constraint };
        if (li.law === 'creep') { li.A = LI_DEFAULTS.A * arrhenius(T); li.n = LI_DEFAULTS.n; }
        await ensureOutputDir(out, { files: Object.values(CONTACT3D_FILES), force: flags.force });
        const map = await heightMap(flags);
        const thickness = flags.thickness !== undefined ? num('--thickness', flags.thickness, { positive: true }) : Math.max(map.ny * map.dy, map.nx * map.dx);
        const progress = createProgress('contact3d');
        const tEnd = history[history.length - 1].t;
        const run = await runContact3d({
          map, li, history, stepTol, cell, foilUm, growthUmPerS: (plating * LI_UM_PER_MAH_CM2) / 3600,
          electrolyte: flags.electrolyte === 'rigid' ? null : { E: LPSCL_DEFAULTS.E, nu: LPSCL_DEFAULTS.nu },
          conduction: flags.current ? { thicknessUm: thickness, sigmaMsPerCm: sigma, rctOhmCm2: rct, grid: grid > 0 ? grid : null } : null,
          onRecord: (r) => progress.update(Math.round((1000 * r.t) / Math.max(tEnd, 1e-30)), 1000),
        });
        progress.finish(`${run.sim.records.length} records, contact fraction ${run.summary.contact_fraction}`);
        const spacing: [number, number, number] = [map.dx, map.dy, map.dx];
        await writeAtomically(path.join(out, CONTACT3D_FILES.map), (tmp) => writeTiff(tmp, makeVolume(run.contact, [1, map.ny, map.nx], spacing)));
        await writeAtomically(path.join(out, CONTACT3D_FILES.pressure), (tmp) => writeTiff(tmp, makeVolume(Float32Array.from(run.sim.p), [1, map.ny, map.nx], spacing)));
        // the final surface fields for ParaView: one slice of image data, x fastest as everywhere
        await writeVti(path.join(out, CONTACT3D_FILES.fields), [
          { name: 'height_um', data: Float32Array.from(map.h) },
          { name: 'contact_pressure_MPa', data: Float32Array.from(run.sim.p) },
          { name: 'gap_um', data: Float32Array.from(run.sim.gap) },
          { name: 'creep_sink_um', data: Float32Array.from(run.sim.sink) },
          { name: 'contact', data: run.contact },
        ], { shape: [1, map.ny, map.nx], spacing });
        await writeFileAtomically(path.join(out, CONTACT3D_FILES.csv), historyCsv(run.sim.records));
        await writeFileAtomically(path.join(out, CONTACT3D_FILES.json), `${JSON.stringify(run.summary, null, 2)}\n`);
        const s = run.summary;
        const cond = run.current;
        const text = [
          `surface            ${map.source}`,
          `model              Li ${li.law}, electrolyte ${flags.electrolyte}, E* ${run.sim.eStar.toFixed(0)} MPa${run.sim.hardness ? `, H ${run.sim.hardness} MPa` : ''}`,
          `final              t = ${history[history.length - 1].t} s at ${run.sim.records[run.sim.records.length - 1].pressure.toPrecision(4)} MPa (${cell.kind} cell; ${run.sim.records.length} records)`,
          `contact fraction   ${s.contact_fraction} (${s.spots} spots), mean contact pressure ${s.mean_contact_pressure_mpa} MPa`,
          cond ? `constriction       ${cond.constriction_ohm_cm2.toPrecision(4)} Ω·cm² (total ${cond.resistance_ohm_cm2.toPrecision(4)} Ω·cm² over ${thickness} µm)` : 'constriction       not computed (--no-current)',
          run.interface ? `interface          ${run.interface.interface_ohm_cm2.toPrecision(4)} Ω·cm² = constriction + r_ct/f = ${run.interface.constriction_ohm_cm2.toPrecision(4)} + ${rct}/${run.interface.contact_fraction.toPrecision(4)}` : 'interface          not computed',
          `outputs            ${path.join(out, CONTACT3D_FILES.json)}, ${CONTACT3D_FILES.csv}, ${CONTACT3D_FILES.map}, ${CONTACT3D_FILES.pressure}, ${CONTACT3D_FILES.fields}`,
        ].join('\n');
        emit(Boolean(flags.json), s, text);
      }),
    );
}
