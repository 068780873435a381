/**
 * `buried contact3d --papers -o DIR`: the stack-pressure papers' protocols (src/contact3d/papers.ts)
 * with literature parameters: papers.json (every step, the calibration constant, the assumptions),
 * papers.svg (model vs the papers' points) and the "paper vs model" table on stdout.
 */
import path from 'node:path';
import { writeFileAtomically } from '../../io/atomic.js';
import { ensureOutputDir } from '../input-options.js';
import { emit } from '../run-command.js';
import { PAPERS_DEFAULTS, type PapersOptions } from '../../contact3d/papers.js';
import { runPapers } from '../../contact3d/papers-report.js';
import { renderVegaLite } from '../../report/charts/index.js';
import { papersSpec } from '../../report/charts/papers.js';

export const PAPERS_FILES = { json: 'papers.json', figure: 'papers.svg' } as const;

export async function runPapersCommand(out: string, o: { n: number; holdS: number; json: boolean; force?: boolean }): Promise<void> {
  await ensureOutputDir(out, { files: Object.values(PAPERS_FILES), force: o.force });
  const opts: PapersOptions = { ...PAPERS_DEFAULTS, holdS: o.holdS, surface: { ...PAPERS_DEFAULTS.surface, n: o.n } };
  const run = await runPapers(opts);
  const svg = await renderVegaLite(papersSpec(run.figure.resistance, run.figure.contact));
  await writeFileAtomically(path.join(out, PAPERS_FILES.figure), svg);
  await writeFileAtomically(path.join(out, PAPERS_FILES.json), `${JSON.stringify(run.summary, null, 2)}\n`);
  emit(o.json, run.summary, `${run.table}\noutputs        ${path.join(out, PAPERS_FILES.json)}, ${PAPERS_FILES.figure}`);
}
