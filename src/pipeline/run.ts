/**
 * `buried run`: read → segment → thickness → strip → current → fem → report, resumable.
 *
 * For each stage: compute its fingerprint (inputs' sha256 + effective parameters + package
 * version); skip it when DIR/<stage>/.stage.json was written by this version, has that fingerprint
 * and its outputs are intact (the report also needs that no earlier stage ran in this call);
 * otherwise remove the record first, then stale outputs, run the stage (every file written
 * atomically) and write the record LAST. A killed run therefore never leaves a stage that looks
 * complete, and the next run resumes at the first stage without a valid record.
 */
import path from 'node:path';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { InputError } from '../io/errors.js';
import { writeFileAtomically } from '../io/atomic.js';
import { checkWritable, guardRunFolder, lockFolder, noteCreatedFolder, removeIfNothingWritten } from '../io/output-guard.js';
import { createProgress, formatDuration, type Progress } from '../io/progress.js';
import { peakRssBytes } from '../report/memory.js';
import { memoryBudget } from '../compute/budget.js';
import { collectGarbage } from '../compute/gc.js';
import { STAGES, type RunConfig, type StageName } from './config.js';
import {
  contentDigest,
  listOutputs,
  outputsIntact,
  readStageRecord,
  removeStalePartials,
  sha256File,
  stageFingerprint,
  writeStageRecord,
  STAGE_RECORD,
  type FileDigest,
  type StageRecord,
} from './fingerprint.js';
import { currentStage, femStage, openOptionsOf, scanFile, segmentStage, stripStage, thicknessStage, type RunContext, type StageSpec } from './stages.js';
import { reportStage } from './report.js';
import { poresRunStage } from './pores-stage.js';
import { readSegmentLiVoxels, readSegmentQc, stopsOnQc } from './segment-qc.js';
import type { QcBlock } from '../segment/types.js';
import { readRunDocs, RUN_MANIFEST, RUN_REPORT, RUN_SUMMARY, runFile, SEGMENT_FILES, type ManifestDoc } from '../io/run-folder.js';
import { writeRunSummary } from '../io/run-summary.js';
import { scanStem } from '../batch/list.js';

export const STAGE_SPECS: StageSpec[] = [segmentStage, thicknessStage, poresRunStage, stripStage, currentStage, femStage, reportStage];

/** Walk up from this module to the package root (works from src/ and dist/src/). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'buried-li') return dir;
      } catch {
        /* keep walking */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package root (package.json of buried-li) not found');
    dir = parent;
  }
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The bundled sample scan (data/sample/scan.tif), used when `buried run` gets no input. */
export function sampleInput(): string {
  return path.join(packageRoot(), 'data', 'sample', 'scan.tif');
}

/** Versions of the runtime and of the dependencies whose behaviour shapes the outputs. */
export function versions(): Record<string, string> {
  const out: Record<string, string> = { 'buried-li': packageVersion(), node: process.version, v8: process.versions.v8, platform: `${process.platform}-${process.arch}` };
  const require = createRequire(path.join(packageRoot(), 'package.json'));
  for (const dep of ['vega', 'vega-lite', '@resvg/resvg-js', 'fast-png', 'geotiff', 'h5wasm', 'piscina', 'webgpu', 'yaml', 'commander']) {
    try {
      const pkgPath = path.join(path.dirname(require.resolve(`${dep}/package.json`)), 'package.json');
      out[dep] = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
    } catch {
      // some packages do not export package.json: find it under node_modules
      const p = path.join(packageRoot(), 'node_modules', dep, 'package.json');
      out[dep] = existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version : 'not installed';
    }
  }
  return out;
}

export interface RunOptions {
  input?: string;
  out: string;
  cfg: RunConfig;
  /** true: redo every stage; a list: redo these stages. */
  force?: boolean | StageName[];
  /** Stop after this stage (tests and partial runs). */
  until?: StageName;
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  tty?: boolean;
  configFile?: string | null;
}

export interface StageReport {
  stage: StageName;
  status: 'ran' | 'skipped';
  /** Wall time of this invocation (skipped: the check only). */
  seconds: number;
  /** Wall time recorded when the stage last ran. */
  recorded_seconds: number;
  fingerprint: string;
  peak_rss_bytes_after: number;
  rss_bytes_after: number;
  summary?: unknown;
  reason: string;
}

export interface RunResult {
  out: string;
  input: string;
  sample: boolean;
  stages: StageReport[];
  manifest: string;
  report: string | null;
  seconds: number;
  peak_rss_bytes: number;
  /** segment.json's QC block (null: the segment stage did not run in this call's stages, or has none). */
  qc: QcBlock | null;
  /** 'segment' when run.strict stopped the run there on low confidence; else null. */
  stopped_after: StageName | null;
}

export async function runPipeline(o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const started = new Date().toISOString();
  const sample = !o.input;
  const input = o.input ?? sampleInput();
  if (!existsSync(scanFile(input))) {
    throw new InputError(sample ? 'sample data missing (data/sample/scan.tif); run scripts/make-sample-data or give an input' : 'no such file or folder', scanFile(input));
  }
  const out = path.resolve(o.out);
  let made = false;
  try {
    const st = await fs.stat(out);
    if (!st.isDirectory()) throw new InputError('output directory exists and is not a directory', o.out);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const first = await fs.mkdir(out, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`cannot create output directory (${err.code ?? 'error'})`, o.out);
    });
    // removed again by the command when the run fails and leaves it empty
    noteCreatedFolder(first, out);
    made = true;
  }
  await checkWritable(out);
  // one run per folder: a second one would interleave its stages with this one's
  const release = await lockFolder(out);
  try {
    // a folder of other files (e.g. `-o .` beside another tool's outputs) is not written into without --force
    await guardRunFolder(out, o.force !== undefined && o.force !== false);
    return await runInFolder(o, out, input, sample, t0, started);
  } catch (err) {
    // a run folder made by this call that failed before any output: not left behind
    await release();
    if (made) await removeIfNothingWritten(out);
    throw err;
  } finally {
    await release();
  }
}

async function runInFolder(o: RunOptions, out: string, input: string, sample: boolean, t0: number, started: string): Promise<RunResult> {
  const stream = o.stream ?? process.stderr;
  const tty = o.tty ?? Boolean(stream.isTTY);
  const write = (line: string) => {
    if (!o.quiet) stream.write(`${line}\n`);
  };
  for (const p of await removeStalePartials(out)) write(`run: removed stale temporary file ${path.relative(out, p)}`);
  // summary.csv of an earlier call may describe results this call replaces: written again at the end
  await fs.rm(path.join(out, RUN_SUMMARY), { force: true });

  const version = packageVersion();
  const ctx: RunContext = {
    dir: out,
    cfg: o.cfg,
    input,
    openOptions: openOptionsOf(o.cfg),
    version,
    cache: {},
    progress: (label: string): Progress => createProgress(label, { stream, quiet: o.quiet, tty }),
    note: (line) => write(`run: ${line}`),
    releaseMemory: collectGarbage,
    budget: memoryBudget(o.cfg.run.memory ?? undefined),
    streamed: [],
  };

  // stages the configuration switches off (pores.enabled: false) are not run and not listed
  const active = STAGE_SPECS.filter((s) => s.enabled?.(o.cfg) ?? true);
  if (o.until && !active.some((s) => s.name === o.until)) throw new InputError(`--until ${o.until}: that stage is switched off by the configuration (${o.until}.enabled: false)`);
  const specs = o.until ? active.slice(0, active.findIndex((s) => s.name === o.until) + 1) : active;
  const reports: StageReport[] = [];
  const digests = new Map<string, FileDigest>();
  const digestOf = async (file: string): Promise<FileDigest> => {
    const key = path.resolve(file);
    let d = digests.get(key);
    if (!d) {
      try {
        d = await contentDigest(file);
      } catch {
        // inside the run folder: an earlier stage's output; outside: a file the user named (scan, labels, mask …)
        const rel = path.relative(out, path.resolve(file));
        const ours = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
        throw new InputError(ours ? 'missing input of a stage (an earlier stage did not complete)' : 'no such file or folder', file);
      }
      digests.set(key, d);
    }
    return d;
  };
  let inputDigest: FileDigest | null = null;
  let qc: QcBlock | null = null;
  let stoppedAfter: StageName | null = null;
  // after the segment stage (ran or up to date): judge its QC; true = stop the run here (run.strict)
  const qcGate = async (stage: StageName, folder: string): Promise<boolean> => {
    if (stage !== 'segment') return false;
    qc = await readSegmentQc(folder);
    if (stopsOnQc(qc, o.cfg.run.strict)) {
      stoppedAfter = stage;
      write('run: stopped after segment: segmentation confidence low and run.strict (--strict) is set; segment/ is kept for inspection');
      return true;
    }
    // every later stage measures the Li layer: labels without any Li (noise, one material) have nothing for them
    if (specs.length > 1 && (await readSegmentLiVoxels(folder)) === 0) {
      throw new InputError(`the segmentation found no Li (label 1; QC confidence ${(qc as QcBlock | null)?.confidence ?? 'unknown'}): thickness, stripping and current need a Li layer (labels kept in segment/)`, input);
    }
    return false;
  };

  for (let k = 0; k < specs.length; k++) {
    const spec = specs[k];
    const ts = performance.now();
    const folder = spec.folder ? spec.folder(ctx) : path.join(out, spec.name);
    const inputPaths = await spec.inputs(ctx);
    const inputs: Record<string, FileDigest> = {};
    for (const [role, p] of Object.entries(inputPaths)) inputs[role] = await digestOf(p);
    if (spec.name === 'segment') inputDigest = inputs.scan;
    const params = spec.params(ctx);
    const fingerprint = stageFingerprint(spec.name, version, params, inputs);
    const forced = o.force === true || (Array.isArray(o.force) && o.force.includes(spec.name));
    const record = await readStageRecord(folder);
    let reason: string;
    const ranBefore = reports.filter((r) => r.status === 'ran').map((r) => r.stage);
    if (forced) reason = 'forced';
    else if (!record) reason = 'no record';
    // results of another version are not mixed with this one's (the manifest names one version)
    else if (record.package_version !== version) reason = `made by buried-li ${record.package_version}, this is ${version}`;
    else if (record.fingerprint !== fingerprint) reason = 'inputs or parameters changed';
    else if (!(await outputsIntact(folder, record))) reason = 'outputs missing or changed';
    // the report lists when each stage last ran and with which fingerprint: a stage that ran in this call changed that
    else if (spec.name === 'report' && ranBefore.length) reason = `${ranBefore.join(', ')} ran in this call`;
    else reason = '';

    write(`stage ${k + 1}/${specs.length}: ${spec.name}${reason ? '' : ' — up to date, skipped'}`);
    if (!reason && record) {
      if (spec.name === 'segment') ctx.backend = (record.summary as { backend?: string } | undefined)?.backend;
      reports.push({ stage: spec.name, status: 'skipped', seconds: (performance.now() - ts) / 1000, recorded_seconds: record.seconds, fingerprint, peak_rss_bytes_after: peakRssBytes(), rss_bytes_after: process.memoryUsage.rss(), summary: record.summary, reason: 'fingerprint matches and outputs are intact' });
      if (await qcGate(spec.name, folder)) break;
      continue;
    }

    // the record goes first, then stale outputs: a crash from here on leaves the stage incomplete
    await fs.mkdir(folder, { recursive: true });
    await fs.rm(path.join(folder, STAGE_RECORD), { force: true });
    for (const rel of await listOutputs(folder)) await fs.rm(path.join(folder, rel), { force: true });
    if (spec.name === 'report') await fs.rm(path.join(out, RUN_REPORT), { force: true });

    const startedAt = new Date().toISOString();
    const summary = await spec.run(ctx, folder);
    collectGarbage();
    const rels = await listOutputs(folder);
    if (spec.name === 'report') rels.push('../report.html');
    const outputs: StageRecord['outputs'] = {};
    for (const rel of rels) {
      const p = path.join(folder, rel);
      const bytes = (await fs.stat(p)).size;
      const sha256 = await sha256File(p);
      outputs[rel] = { bytes, sha256 };
      digests.delete(path.resolve(p));
    }
    const seconds = (performance.now() - ts) / 1000;
    const peak = peakRssBytes();
    await writeStageRecord(folder, {
      stage: spec.name,
      fingerprint,
      package_version: version,
      params,
      inputs,
      outputs,
      started: startedAt,
      finished: new Date().toISOString(),
      seconds: +seconds.toFixed(3),
      peak_rss_bytes: peak,
      memory: { budget_bytes: ctx.budget.bytes, streamed: ctx.streamed.includes(spec.name) },
      summary,
    });
    reports.push({ stage: spec.name, status: 'ran', seconds, recorded_seconds: seconds, fingerprint, peak_rss_bytes_after: peak, rss_bytes_after: process.memoryUsage.rss(), summary, reason });
    write(`stage ${k + 1}/${specs.length}: ${spec.name} done in ${formatDuration(seconds * 1000)} (${reason}; peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB)`);
    // the stage's record is written first: a stopped run resumes after segment once --strict is dropped
    if (await qcGate(spec.name, folder)) break;
  }
  const finalQc = qc as QcBlock | null;
  // a report.html from an earlier run describes labels this call replaced: remove it rather than leave it to be read
  if (stoppedAfter && reports.some((r) => r.stage === 'segment' && r.status === 'ran')) await fs.rm(path.join(out, RUN_REPORT), { force: true });

  const seconds = (performance.now() - t0) / 1000;
  const scanBytes = await scanBytesOf(ctx);
  const peak = peakRssBytes();
  // the stage after which the process peak first reached its final value
  const dominant = reports.find((r) => r.status === 'ran' && r.peak_rss_bytes_after >= peak)?.stage ?? null;
  const manifest = {
    tool: 'buried run',
    version,
    started,
    finished: new Date().toISOString(),
    wall_seconds: +seconds.toFixed(3),
    input: { path: input, sample, ...(inputDigest ? { sha256: inputDigest.sha256, bytes: inputDigest.bytes } : {}) },
    input_checksums: inputDigest ? [{ path: input, sha256: inputDigest.sha256, bytes: inputDigest.bytes }] : [],
    config_file: o.configFile ?? null,
    config: o.cfg,
    versions: versions(),
    backend: ctx.backend ?? null,
    cpu: { available_parallelism: (await import('node:os')).availableParallelism(), workers: o.cfg.run.workers },
    memory: {
      peak_rss_bytes: peak,
      peak_rss_mib: +(peak / 2 ** 20).toFixed(1),
      scan_bytes: scanBytes,
      peak_over_scan: scanBytes ? +(peak / scanBytes).toFixed(3) : null,
      peak_reached_in_stage: dominant,
      budget_bytes: ctx.budget.bytes,
      budget_origin: ctx.budget.origin === 'flag' ? 'run.memory' : 'default: 60 % of the available RAM',
      peak_over_budget: +(peak / ctx.budget.bytes).toFixed(3),
      streamed_stages: ctx.streamed,
      note: 'process peak resident set size (worker threads included) after each stage; it only grows, so the stage where it first reaches its final value dominates. A skipped stage costs nothing.',
      run_note: o.cfg.run.note,
    },
    stages: reports.map((r) => ({
      stage: r.stage,
      status: r.status,
      reason: r.reason,
      seconds: +r.seconds.toFixed(3),
      recorded_seconds: +r.recorded_seconds.toFixed(3),
      peak_rss_bytes_after: r.peak_rss_bytes_after,
      rss_bytes_after: r.rss_bytes_after,
      fingerprint: r.fingerprint,
      summary: r.summary,
    })),
    outputs: { report: existsSync(path.join(out, RUN_REPORT)) ? RUN_REPORT : null, summary: RUN_SUMMARY, figures: 'figures/', stages: specs.map((s) => s.name) },
    qc: finalQc ? { confidence: finalQc.confidence, warnings: finalQc.warnings } : null,
    stopped: stoppedAfter ? { after: stoppedAfter, reason: 'segmentation confidence low with run.strict (--strict): exit 3' } : null,
  };
  // the run's headline numbers, from the documents on disk and this manifest (the same numbers as the report)
  await writeRunSummary(out, { ...(await readRunDocs(out)), manifest: manifest as ManifestDoc }, { scan: scanStem(input), input: path.resolve(input) });
  const manifestPath = path.join(out, RUN_MANIFEST);
  await writeFileAtomically(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { out, input, sample, stages: reports, manifest: manifestPath, report: manifest.outputs.report ? path.join(out, RUN_REPORT) : null, seconds, peak_rss_bytes: peak, qc: finalQc, stopped_after: stoppedAfter };
}

async function scanBytesOf(ctx: RunContext): Promise<number | null> {
  try {
    const rec = await readStageRecord(path.join(ctx.dir, 'segment'));
    const shape = (rec?.summary as { shape?: number[] } | undefined)?.shape;
    const seg = JSON.parse(await fs.readFile(runFile(ctx.dir, 'segment', SEGMENT_FILES.json), 'utf8')) as { shape: number[]; input_dtype: string };
    const s = shape ?? seg.shape;
    const bpv: Record<string, number> = { uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, float64: 8 };
    return s[0] * s[1] * s[2] * (bpv[seg.input_dtype] ?? 2);
  } catch {
    return null;
  }
}
