/**
 * Uncertainty for evaluation results: bootstrap confidence intervals of a mean and paired significance tests
 * of system A vs system B over the same queries. Everything random is driven by a seeded PRNG, so a report
 * regenerated from the same run prints the same intervals and p-values.
 */

import { createRng } from '../../service/random.ts';

/** The seeded PRNG the resampling functions use (it lives in `service/`, which the converter shares). */
export { createRng };

/** Options shared by the resampling functions. */
export interface ResampleOptions {
  samples?: number;
  seed?: number;
}

export interface ConfidenceInterval {
  mean: number;
  lower: number;
  upper: number;
  alpha: number;
  samples: number;
}

export interface PairedTestResult {
  /** Mean of the per-query differences a - b. */
  meanDiff: number;
  /** Two-sided p-value of "no difference". */
  pValue: number;
  /** Resamples drawn (for the randomization test, 2^n when it enumerated every sign assignment exactly). */
  samples: number;
  /** True when the randomization test enumerated all sign flips instead of sampling them. */
  exact?: boolean;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] ?? 0;
  return s / values.length;
}

/** Linear-interpolated quantile of sorted values (R type 7, numpy's default). */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? NaN;
  const b = sorted[hi] ?? NaN;
  return a + (b - a) * (pos - lo);
}

function checkValues(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what}: no values`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${what}: value ${bad} is not a finite number (${values[bad]})`);
}

function differences(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) {
    throw new RangeError(`paired test: A has ${a.length} values and B has ${b.length}; pair them by query first`);
  }
  checkValues(a, 'paired test A');
  checkValues(b, 'paired test B');
  return a.map((x, i) => x - (b[i] ?? 0));
}

/** Mean of one bootstrap resample (draws with replacement). */
function resampleMean(values: readonly number[], rand: () => number): number {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[Math.floor(rand() * n)] ?? 0;
  return s / n;
}

/**
 * Percentile bootstrap confidence interval of the mean of `values` (e.g. per-query nDCG@10).
 *
 * @example
 *   const ci = bootstrapCI([...evaluation.perQuery.values()].map((m) => m.ndcg), { seed: 7 });
 *   console.log(`${ci.mean.toFixed(3)} [${ci.lower.toFixed(3)}, ${ci.upper.toFixed(3)}]`);
 */
export function bootstrapCI(
  values: readonly number[],
  { samples = 1000, alpha = 0.05, seed = 1 }: ResampleOptions & { alpha?: number } = {},
): ConfidenceInterval {
  checkValues(values, 'bootstrapCI');
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`bootstrapCI: alpha must be in (0, 1), got ${alpha}`);
  const rand = createRng(seed);
  const means: number[] = [];
  for (let s = 0; s < samples; s++) means.push(resampleMean(values, rand));
  means.sort((x, y) => x - y);
  return {
    mean: mean(values),
    lower: quantile(means, alpha / 2),
    upper: quantile(means, 1 - alpha / 2),
    alpha,
    samples,
  };
}

// Sums of floating-point differences can differ in the last bits between equivalent resamples; a tolerance keeps
// "at least as extreme as observed" from missing the observed assignment itself.
const EPS = 1e-12;

/**
 * Paired randomization (sign-flip permutation) test of per-query values of A vs B: under "no difference" each
 * query's difference is equally likely to have either sign. Enumerates all 2^n sign assignments when that is no
 * more than `samples` (an exact p-value), otherwise samples them, with the +1 correction so p is never 0.
 *
 * @example
 *   const { meanDiff, pValue } = pairedRandomizationTest(ndcgA, ndcgB, { samples: 10_000, seed: 1 });
 */
export function pairedRandomizationTest(
  a: readonly number[],
  b: readonly number[],
  { samples = 10_000, seed = 1 }: ResampleOptions = {},
): PairedTestResult {
  const d = differences(a, b);
  const n = d.length;
  const observed = Math.abs(mean(d));
  if (n <= 20 && 2 ** n <= samples) {
    const total = 2 ** n;
    let extreme = 0;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -(d[i] ?? 0) : (d[i] ?? 0);
      if (Math.abs(s / n) >= observed - EPS) extreme++;
    }
    return { meanDiff: mean(d), pValue: extreme / total, samples: total, exact: true };
  }
  const rand = createRng(seed);
  let extreme = 0;
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rand() < 0.5 ? -(d[i] ?? 0) : (d[i] ?? 0);
    if (Math.abs(sum / n) >= observed - EPS) extreme++;
  }
  return { meanDiff: mean(d), pValue: (extreme + 1) / (samples + 1), samples, exact: false };
}

/**
 * Paired bootstrap test of A vs B: resamples the per-query differences after shifting them to mean 0 (the null
 * hypothesis) and counts resampled means at least as far from 0 as the observed one (two-sided). Also returns
 * the percentile interval of the mean difference.
 *
 * @example
 *   const { pValue, lower, upper } = pairedBootstrapTest(ndcgA, ndcgB, { seed: 1 });
 */
export function pairedBootstrapTest(
  a: readonly number[],
  b: readonly number[],
  { samples = 10_000, alpha = 0.05, seed = 1 }: ResampleOptions & { alpha?: number } = {},
): PairedTestResult & { lower: number; upper: number } {
  const d = differences(a, b);
  const observed = mean(d);
  const centred = d.map((x) => x - observed);
  const rand = createRng(seed);
  let extreme = 0;
  const means: number[] = [];
  for (let s = 0; s < samples; s++) {
    // one index draw per query, shared by the null and the interval resample, so both use the same resamples
    let sumNull = 0;
    let sum = 0;
    for (let i = 0; i < d.length; i++) {
      const j = Math.floor(rand() * d.length);
      sumNull += centred[j] ?? 0;
      sum += d[j] ?? 0;
    }
    if (Math.abs(sumNull / d.length) >= Math.abs(observed) - EPS) extreme++;
    means.push(sum / d.length);
  }
  means.sort((x, y) => x - y);
  return {
    meanDiff: observed,
    pValue: (extreme + 1) / (samples + 1),
    samples,
    lower: quantile(means, alpha / 2),
    upper: quantile(means, 1 - alpha / 2),
  };
}
