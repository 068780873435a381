/** Peak resident memory of this process (worker threads included), for every stage's JSON. */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export interface MemoryReport {
  peak_rss_bytes: number;
  /** Peak RSS over the input's size in bytes (the "× input" figure targets are stated in). */
  peak_rss_over_input: number | null;
}

export function memoryReport(inputBytes?: number): MemoryReport {
  const peak = peakRssBytes();
  return { peak_rss_bytes: peak, peak_rss_over_input: inputBytes ? +(peak / inputBytes).toFixed(3) : null };
}
