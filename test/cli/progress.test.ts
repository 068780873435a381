import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../../src/io/progress.js';

function sink(tty: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY: tty, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, chunks };
}

describe('progress', () => {
  it('plain mode prints sparse lines with ETA at 25 % milestones, then one done line', () => {
    let t = 0;
    const { stream, chunks } = sink(false);
    const p = createProgress('synth', { stream, now: () => t, plainIntervalMs: 1e9 });
    for (let i = 1; i <= 100; i++) {
      t += 10;
      p.update(i, 100);
    }
    p.finish();
    expect(chunks).toEqual([
      'synth: 25% (25/100), eta 0.8s\n',
      'synth: 50% (50/100), eta 0.5s\n',
      'synth: 75% (75/100), eta 0.3s\n',
      'synth: done in 1.0s\n',
    ]);
  });

  it('terminal mode redraws one bar with ETA and clears it at the end', () => {
    let t = 0;
    const { stream, chunks } = sink(true);
    const p = createProgress('read', { stream, now: () => t });
    t = 1000;
    p.update(1, 4);
    t = 1050; // throttled: < 100 ms since the last draw
    p.update(2, 4);
    t = 2000;
    p.update(2, 4);
    p.finish();
    expect(chunks[0]).toMatch(/^\rread █{7}░{21}  25% 1\/4 ETA 3\.0s/);
    expect(chunks).toHaveLength(4);
    expect(chunks[1]).toMatch(/ 50% 2\/4 ETA 2\.0s/);
    expect(chunks[2]).toBe('\r\x1b[K');
    expect(chunks[3]).toBe('read: done in 2.0s\n');
  });

  it('formats durations', () => {
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(65_000)).toBe('65s');
    expect(formatDuration(3_725_000)).toBe('62m05s');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
