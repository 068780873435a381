/**
 * Progress on stderr: a redrawn bar with ETA on a terminal, sparse plain lines otherwise
 * (CI logs and pipes), nothing at all with `quiet`.
 */
export interface Progress {
  update(done: number, total: number): void;
  finish(note?: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
  /** Override TTY detection (tests). */
  tty?: boolean;
  /** Plain mode: at most one line per this many ms (besides 25 % milestones). */
  plainIntervalMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 28;

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 90) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 90) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const start = now();
  const interval = options.plainIntervalMs ?? 5000;
  let lastDraw = tty ? -Infinity : start;
  let lastMilestone = 0;
  let drawn = false;
  if (options.quiet) return { update() {}, finish() {} };

  const eta = (done: number, total: number): string => {
    const elapsed = now() - start;
    if (done <= 0) return '?';
    return formatDuration((elapsed * (total - done)) / done);
  };

  return {
    update(done: number, total: number): void {
      const t = now();
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      if (tty) {
        if (t - lastDraw < 100 && done < total) return;
        lastDraw = t;
        const filled = Math.round(fraction * BAR_WIDTH);
        const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
        stream.write(`\r${label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total} ETA ${eta(done, total)}\x1b[K`);
        drawn = true;
      } else {
        const milestone = Math.floor(fraction * 4);
        if (milestone > lastMilestone || t - lastDraw >= interval) {
          if (done >= total) return; // the finish line reports completion
          lastMilestone = Math.max(lastMilestone, milestone);
          lastDraw = t;
          stream.write(`${label}: ${(fraction * 100).toFixed(0)}% (${done}/${total}), eta ${eta(done, total)}\n`);
        }
      }
    },
    finish(note?: string): void {
      const elapsed = formatDuration(now() - start);
      if (tty && drawn) stream.write('\r\x1b[K');
      stream.write(`${label}: done in ${elapsed}${note ? ` — ${note}` : ''}\n`);
    },
  };
}
