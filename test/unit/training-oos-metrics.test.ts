import { describe, expect, it } from 'vitest';
import { auroc, chooseThreshold, oosCurve, oosMetricsAt, summariseOos, type ScoredRows } from '../../training/eval/oos-metrics.ts';
import { createRng } from '../../training/eval/stats.ts';

function rowsOf(inScope: number[], oos: number[], correct = inScope.map(() => 1)): ScoredRows {
  return { scores: [...inScope, ...oos], inScope: [...inScope.map(() => 1), ...oos.map(() => 0)], correct: [...correct, ...oos.map(() => 0)] };
}

describe('out-of-scope metrics', () => {
  it('AUROC equals the pairwise win rate (ties half)', () => {
    const rand = createRng(3);
    const pos = Array.from({ length: 60 }, () => Math.round(rand() * 20) / 20 + 0.2);
    const neg = Array.from({ length: 40 }, () => Math.round(rand() * 20) / 20);
    let wins = 0;
    for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
    expect(auroc(pos, neg)).toBeCloseTo(wins / (60 * 40), 12);
  });

  it('counts abstentions as in-scope errors and as OOS hits', () => {
    // In scope: 0.9 (right), 0.8 (wrong), 0.3 (right); OOS: 0.5, 0.1.
    const rows = rowsOf([0.9, 0.8, 0.3], [0.5, 0.1], [1, 0, 1]);
    const at = oosMetricsAt(rows, 0.4);
    expect(at).toMatchObject({ inScopeAccuracy: 1 / 3, inScopeRecall: 2 / 3, inScopePrecision: 1 / 3, oosRecall: 0.5, oosPrecision: 0.5, coverage: 3 / 5 });
  });

  it('sweeps every operating point and picks the lowest threshold meeting the target', () => {
    const rows = rowsOf([0.9, 0.8, 0.7, 0.3], [0.5, 0.2, 0.1]);
    const curve = oosCurve(rows);
    expect(curve).toHaveLength(7);
    expect(curve[0]).toMatchObject({ oosRecall: 0, inScopeAccuracy: 1 });
    for (const p of curve) expect(oosMetricsAt(rows, p.threshold)).toEqual(p);
    const recall = chooseThreshold(rows, { metric: 'oos_recall', value: 0.6 });
    expect(recall).toMatchObject({ met: true, oosRecall: 2 / 3, inScopeAccuracy: 1 });
    const precision = chooseThreshold(rows, { metric: 'precision', value: 1 });
    expect(precision.met).toBe(true);
    expect(precision.inScopeRecall).toBe(0.75);
    expect(chooseThreshold(rowsOf([0.1], [0.9]), { metric: 'precision', value: 1 }).met).toBe(false);
  });

  it('gives bootstrap intervals around the point values', () => {
    const rand = createRng(9);
    const rows = rowsOf(Array.from({ length: 300 }, () => 0.4 + rand() * 0.6), Array.from({ length: 100 }, () => rand() * 0.7));
    const s = summariseOos(rows, 0.5, { samples: 200 });
    for (const v of Object.values(s)) {
      expect(v.lower).toBeLessThanOrEqual(v.value);
      expect(v.upper).toBeGreaterThanOrEqual(v.value);
    }
    expect(s.auroc.upper - s.auroc.lower).toBeGreaterThan(0.01);
  });
});
