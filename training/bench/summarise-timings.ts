/**
 * Summaries of benchmark timings: medians, nearest-rank percentiles and paired ratios. Benchmarks on a shared
 * machine report medians over runs (and ratios taken within a run), so one noisy run moves nothing.
 */

/**
 * The median (mean of the two middle values for an even count); NaN for no values.
 *
 * @example median([3, 1, 2, 10]) // 2.5
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The nearest-rank percentile: the smallest value with at least `p` % of the values at or below it, so p99 of
 * 200 latencies is an observed latency (the 198th), never an interpolation. NaN for no values.
 *
 * @example percentile([5, 1, 4, 2, 3], 50) // 3
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be in [0, 100], got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * The median of per-run ratios `a[i] / b[i]`. Pairing within a run cancels load that changed between runs,
 * which a ratio of two medians would not.
 *
 * @example medianRatio([2, 4, 9], [1, 2, 3]) // 2
 */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`medianRatio: ${a.length} values against ${b.length}`);
  return median(a.map((x, i) => x / b[i]!));
}

/**
 * Items per second for each run's elapsed seconds.
 *
 * @example throughputs(64, [2, 4]) // [32, 16]
 */
export function throughputs(items: number, seconds: readonly number[]): number[] {
  return seconds.map((s) => items / s);
}

/**
 * The order in which to run compared variants in run `run`: forward on even runs, reversed on odd ones, so
 * neither variant always runs first (warmer caches, a load spike at the start of each run).
 *
 * @example interleaved(['a', 'b', 'c'], 1) // ['c', 'b', 'a']
 */
export function interleaved<T>(variants: readonly T[], run: number): T[] {
  return run % 2 ? [...variants].reverse() : [...variants];
}
