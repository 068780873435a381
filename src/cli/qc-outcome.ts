/**
 * What the CLI does with a segmentation's QC block, as one pure function shared by `buried segment`
 * and `buried run`: the warning line (or none) and the exit code. Kept pure so the rule is tested
 * without having to produce a low-confidence segmentation.
 */
import type { QcBlock } from '../segment/types.js';
import { EXIT_LOW_CONFIDENCE, EXIT_OK } from './run-command.js';

export interface QcOutcome {
  /** One stderr line (without the newline), or null when confidence is high or there is no QC block. */
  warning: string | null;
  exitCode: typeof EXIT_OK | typeof EXIT_LOW_CONFIDENCE;
}

/** Collapse line breaks: the warning must stay one line so scripts can grep it. */
const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

/**
 * `qc` absent (classes mode, or a segmentation from before QC existed): no warning, exit 0.
 * Low confidence: `buried: warning: <input>: segmentation confidence low: <w1>; <w2>`, and with
 * `strict` exit 3.
 */
export function qcOutcome(report: { qc?: QcBlock | null }, input: string, strict: boolean): QcOutcome {
  const qc = report.qc;
  if (!qc || qc.confidence !== 'low') return { warning: null, exitCode: EXIT_OK };
  const reasons = qc.warnings.map(oneLine).filter(Boolean);
  const warning = `buried: warning: ${oneLine(input)}: segmentation confidence low: ${reasons.length ? reasons.join('; ') : 'no reason given'}`;
  return { warning, exitCode: strict ? EXIT_LOW_CONFIDENCE : EXIT_OK };
}

/** Print the outcome's warning (if any) and set the process exit code (only ever raised, never lowered). */
export function applyQcOutcome(outcome: QcOutcome): void {
  if (outcome.warning) process.stderr.write(`${outcome.warning}\n`);
  if (outcome.exitCode !== EXIT_OK && !process.exitCode) process.exitCode = outcome.exitCode;
}
