/**
 * The viewer's Retrain button: `buried run` again in the run folder, in this process, with
 * segment.annotations set to the run's annotations.tif (the file the viewer writes). It is the
 * pipeline itself (pipeline/run.ts → the segment stage → trainableScan, the function `buried
 * segment --annotations` calls): the segment stage reruns because its annotations changed, and every
 * later stage the run had reruns after it (their fingerprints name the new labels); up-to-date stages
 * are skipped as `buried run` skips them. The configuration is the one manifest.json recorded.
 * Progress: the lines `buried run` prints, kept for the page to poll.
 */
import { statSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { InputError } from '../io/errors.js';
import { applyConfigObject, defaultConfig, STAGES, validateConfig, type RunConfig, type StageName } from '../pipeline/config.js';
import { runPipeline, sampleInput } from '../pipeline/run.js';
import { scanFile } from '../pipeline/stages.js';
import { recordedPath } from './run-dir.js';

interface RunManifest {
  tool?: string;
  input?: { path?: string; sample?: boolean; bytes?: number };
  config?: unknown;
  config_file?: string | null;
  outputs?: { stages?: string[] };
}

export interface RetrainPlan {
  input: string;
  cfg: RunConfig;
  configFile: string | null;
  /** The last stage to run (the run's last stage unless the page asks for fewer). */
  until: StageName;
  /** What the plan changed in the recorded configuration, for the page. */
  notes: string[];
}

export interface RetrainStatus {
  state: 'idle' | 'running' | 'done' | 'failed';
  started: string | null;
  finished: string | null;
  until: StageName | null;
  input: string | null;
  /** The last lines `buried run` printed (progress). */
  log: string[];
  error: string | null;
  /** Per stage: ran or skipped (when done). */
  stages: { stage: string; status: string; seconds: number }[];
  notes: string[];
  seconds: number | null;
}

function readManifest(file: string | null): RunManifest | null {
  if (!file) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunManifest;
  } catch {
    return null;
  }
}

/** The annotation file the run was made with (segment.annotations of its configuration), resolved; null when none is recorded or reachable. */
export function runInputAnnotations(dir: string, manifestFile: string | null): string | null {
  const m = readManifest(manifestFile);
  const a = (m?.config as { segment?: { annotations?: unknown } } | undefined)?.segment?.annotations;
  return typeof a === 'string' && a ? recordedPath(dir, a) : null;
}

/**
 * What a retrain would run, or an InputError saying why it cannot: no manifest of `buried run`, or
 * the scan it was made from is not reachable (give `buried view --scan FILE`).
 */
export function planRetrain(dir: string, manifestFile: string | null, annotations: string, o: { scan?: string; until?: string } = {}): RetrainPlan {
  const m = readManifest(manifestFile);
  if (!m || m.tool !== 'buried run' || !m.config) throw new InputError('retrain needs the folder of a buried run (its manifest.json records the scan and the configuration); this folder has none', dir);
  const notes: string[] = [];
  let input: string;
  if (o.scan) input = o.scan;
  else if (m.input?.sample) input = sampleInput();
  else {
    const recorded = m.input?.path;
    if (!recorded) throw new InputError('manifest.json names no input scan: start buried view with --scan FILE to retrain', manifestFile ?? dir);
    const found = recordedPath(dir, recorded);
    if (!found) throw new InputError(`the scan this run was made from (${recorded}, as manifest.json records it) is not reachable from here: start buried view with --scan FILE to retrain`, dir);
    input = found;
  }
  const size = (() => {
    try {
      const st = statSync(scanFile(input));
      return st.isFile() ? st.size : null;
    } catch {
      throw new InputError('no such scan file', input);
    }
  })();
  if (size !== null && typeof m.input?.bytes === 'number' && size !== m.input.bytes) {
    throw new InputError(`has ${size} bytes, the run was made from a scan of ${m.input.bytes} bytes (manifest.json): not the same scan; give the right one with buried view --scan FILE`, input);
  }
  const cfg = defaultConfig();
  applyConfigObject(cfg, m.config, 'manifest.json');
  const seg = cfg.segment;
  if (seg.model) notes.push(`segment.model (${seg.model}) dropped: the forest is trained again from the annotations`);
  if (seg.labels) notes.push(`segment.labels (${seg.labels}) dropped: the labels come from the trainable segmentation now`);
  seg.annotations = annotations;
  seg.model = null;
  seg.labels = null;
  seg.label_map = null;
  if (seg.mask) {
    const mask = recordedPath(dir, seg.mask);
    if (!mask) throw new InputError(`the run's segment.mask (${seg.mask}) is not reachable from here`, dir);
    seg.mask = mask;
  }
  validateConfig(cfg);
  const stages = (m.outputs?.stages ?? []).filter((s): s is StageName => (STAGES as readonly string[]).includes(s));
  let until: StageName = stages[stages.length - 1] ?? 'report';
  if (o.until !== undefined) {
    if (!(STAGES as readonly string[]).includes(o.until)) throw new InputError(`until must be one of ${STAGES.join(', ')}, got '${o.until}'`);
    until = o.until as StageName;
  }
  return { input, cfg, configFile: m.config_file ?? null, until, notes };
}

/** One retrain at a time; the page polls status(). */
export class Retrainer {
  private current: RetrainStatus = { state: 'idle', started: null, finished: null, until: null, input: null, log: [], error: null, stages: [], notes: [], seconds: null };

  constructor(
    private readonly dir: string,
    private readonly hooks: { before(): Promise<void>; after(): Promise<void> },
  ) {}

  status(): RetrainStatus {
    return { ...this.current, log: [...this.current.log] };
  }

  get running(): boolean {
    return this.current.state === 'running';
  }

  /** Start the run (returns at once); `plan` already checked. Resolves `done` when it ends. */
  start(plan: RetrainPlan): { done: Promise<void> } {
    if (this.running) throw new InputError('a retrain is already running');
    const log: string[] = [];
    const t0 = performance.now();
    this.current = { state: 'running', started: new Date().toISOString(), finished: null, until: plan.until, input: plan.input, log, error: null, stages: [], notes: plan.notes, seconds: null };
    let partial = '';
    const sink = new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        // progress bars redraw with \r on a terminal; plain lines here (tty false), kept to the last 200
        const lines = (partial + String(chunk)).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) log.push(l.replace(/\r/g, ''));
        if (log.length > 200) log.splice(0, log.length - 200);
        cb();
      },
    });
    const done = (async () => {
      try {
        await this.hooks.before();
        const r = await runPipeline({ input: plan.input, out: this.dir, cfg: plan.cfg, until: plan.until, quiet: false, stream: sink as unknown as NodeJS.WriteStream, tty: false, configFile: plan.configFile });
        this.current.stages = r.stages.map((s) => ({ stage: s.stage, status: s.status, seconds: +s.seconds.toFixed(2) }));
        this.current.state = 'done';
      } catch (err) {
        this.current.state = 'failed';
        this.current.error = (err as Error)?.message ?? String(err);
      } finally {
        try {
          await this.hooks.after();
        } catch (err) {
          this.current.state = 'failed';
          this.current.error ??= (err as Error)?.message ?? String(err);
        }
        this.current.finished = new Date().toISOString();
        this.current.seconds = +((performance.now() - t0) / 1000).toFixed(2);
      }
    })();
    return { done };
  }
}
