import { describe, expect, it } from 'vitest';
import { bootstrapCI, createRng, pairedBootstrapTest, pairedRandomizationTest } from './stats.ts';

/** Per-query scores of a "system": uniform noise in [0, 1) from a seeded generator. */
function noisyScores(n: number, seed: number): number[] {
  const rand = createRng(seed);
  return Array.from({ length: n }, () => rand());
}

describe('createRng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(seqA);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const xs = noisyScores(20_000, 7);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // mean of U(0,1) is 0.5 with standard error 0.289/sqrt(20000) = 0.002
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.01);
  });
});

describe('bootstrapCI', () => {
  it('is reproducible for a seed and changes with the seed', () => {
    const values = noisyScores(100, 1);
    expect(bootstrapCI(values, { seed: 5 })).toEqual(bootstrapCI(values, { seed: 5 }));
    expect(bootstrapCI(values, { seed: 6 }).lower).not.toBe(bootstrapCI(values, { seed: 5 }).lower);
  });

  it('has zero width for constant values', () => {
    const ci = bootstrapCI([0.4, 0.4, 0.4, 0.4], { seed: 1 });
    expect(ci.mean).toBeCloseTo(0.4, 12);
    expect(ci.lower).toBeCloseTo(0.4, 12);
    expect(ci.upper).toBeCloseTo(0.4, 12);
  });

  it('has about the normal-theory width for 0/1 values', () => {
    // 200 zeros and 200 ones: mean 0.5, sd 0.5, standard error 0.5/sqrt(400) = 0.025;
    // a 95% interval is about 0.5 +- 1.96 * 0.025 = [0.451, 0.549] (width 0.098)
    const values = Array.from({ length: 400 }, (_, i) => i % 2);
    const ci = bootstrapCI(values, { samples: 2000, seed: 3 });
    expect(ci.mean).toBe(0.5);
    expect(ci.lower).toBeGreaterThan(0.43);
    expect(ci.lower).toBeLessThan(0.47);
    expect(ci.upper).toBeGreaterThan(0.53);
    expect(ci.upper).toBeLessThan(0.57);
  });

  it('narrows as alpha grows', () => {
    const values = noisyScores(50, 2);
    const wide = bootstrapCI(values, { alpha: 0.01, seed: 1 });
    const narrow = bootstrapCI(values, { alpha: 0.2, seed: 1 });
    expect(narrow.upper - narrow.lower).toBeLessThan(wide.upper - wide.lower);
    expect(narrow.lower).toBeLessThanOrEqual(narrow.mean);
    expect(narrow.upper).toBeGreaterThanOrEqual(narrow.mean);
  });

  it('rejects empty input, non-finite values and a bad alpha', () => {
    expect(() => bootstrapCI([])).toThrow(/no values/);
    expect(() => bootstrapCI([1, NaN])).toThrow(/value 1/);
    expect(() => bootstrapCI([1], { alpha: 1 })).toThrow(/alpha/);
  });
});

describe('pairedRandomizationTest', () => {
  it('enumerates sign flips exactly for small n (hand-computed p)', () => {
    // differences 1, 2, 3: the 8 sign assignments give sums 6, 4, 2, 0, 0, -2, -4, -6;
    // |sum| >= 6 (the observed) for 2 of them -> p = 2/8 = 0.25
    const r = pairedRandomizationTest([1, 2, 3], [0, 0, 0]);
    expect(r.exact).toBe(true);
    expect(r.samples).toBe(8);
    expect(r.pValue).toBe(0.25);
    expect(r.meanDiff).toBe(2);
  });

  it('cannot go below 2/2^n with n queries', () => {
    // five identical improvements: only all-plus and all-minus reach the observed mean -> 2/32
    expect(pairedRandomizationTest([1, 1, 1, 1, 1], [0, 0, 0, 0, 0]).pValue).toBe(0.0625);
  });

  it('gives p = 1 for identical systems', () => {
    const a = noisyScores(60, 9);
    expect(pairedRandomizationTest(a, a, { seed: 1 }).pValue).toBe(1);
  });

  it('detects a consistent improvement and reports its sign', () => {
    const base = noisyScores(60, 11);
    const noise = noisyScores(60, 12);
    const better = base.map((x, i) => x + 0.05 + 0.02 * ((noise[i] ?? 0) - 0.5));
    const r = pairedRandomizationTest(better, base, { samples: 5000, seed: 1 });
    expect(r.exact).toBe(false);
    expect(r.meanDiff).toBeCloseTo(0.05, 2);
    expect(r.pValue).toBeLessThan(0.001);
    // +1 correction: never exactly 0
    expect(r.pValue).toBeGreaterThan(0);
    expect(pairedRandomizationTest(base, better, { samples: 5000, seed: 1 }).meanDiff).toBeLessThan(0);
  });

  it('does not call noise significant', () => {
    // differences +0.1, -0.1 alternating: mean 0 -> every resample is at least as extreme -> p = 1
    const a = Array.from({ length: 40 }, (_, i) => 0.5 + (i % 2 ? 0.1 : -0.1));
    const b = Array.from({ length: 40 }, () => 0.5);
    expect(pairedRandomizationTest(a, b, { seed: 2 }).pValue).toBeCloseTo(1, 12);
  });

  it('is reproducible for a seed', () => {
    const a = noisyScores(40, 1);
    const b = noisyScores(40, 2);
    expect(pairedRandomizationTest(a, b, { seed: 4 })).toEqual(pairedRandomizationTest(a, b, { seed: 4 }));
  });

  it('requires paired inputs', () => {
    expect(() => pairedRandomizationTest([1, 2], [1])).toThrow(/pair them by query/);
  });
});

describe('pairedBootstrapTest', () => {
  it('detects a consistent improvement, with an interval around the mean difference', () => {
    const base = noisyScores(60, 21);
    const noise = noisyScores(60, 22);
    const better = base.map((x, i) => x + 0.05 + 0.02 * ((noise[i] ?? 0) - 0.5));
    const r = pairedBootstrapTest(better, base, { samples: 5000, seed: 1 });
    expect(r.pValue).toBeLessThan(0.001);
    expect(r.lower).toBeGreaterThan(0);
    expect(r.lower).toBeLessThan(r.meanDiff);
    expect(r.upper).toBeGreaterThan(r.meanDiff);
  });

  it('gives a large p-value and an interval spanning 0 when there is no difference', () => {
    const a = Array.from({ length: 40 }, (_, i) => 0.5 + (i % 2 ? 0.1 : -0.1));
    const b = Array.from({ length: 40 }, () => 0.5);
    const r = pairedBootstrapTest(a, b, { seed: 3 });
    expect(r.pValue).toBeGreaterThan(0.5);
    expect(r.lower).toBeLessThan(0);
    expect(r.upper).toBeGreaterThan(0);
  });

  it('agrees with the randomization test on which differences are significant', () => {
    const a = noisyScores(80, 31);
    const b = a.map((x, i) => x - 0.03 + (i % 3 === 0 ? 0.02 : 0));
    const boot = pairedBootstrapTest(a, b, { seed: 1 });
    const perm = pairedRandomizationTest(a, b, { seed: 1 });
    expect(boot.pValue < 0.05).toBe(perm.pValue < 0.05);
    expect(boot.meanDiff).toBeCloseTo(perm.meanDiff, 12);
  });
});
