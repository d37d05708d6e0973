import { describe, expect, it } from 'vitest';
import { argmaxRows, classificationReport } from '../../training/eval/classify-metrics.ts';

describe('classificationReport', () => {
  it('matches hand-computed accuracy, per-class and macro F1 and confusions', () => {
    // truth:     a a a b b c
    // predicted: a a b b c c
    const r = classificationReport([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], ['a', 'b', 'c']);
    expect(r.accuracy).toBeCloseTo(4 / 6, 10);
    // a: P 2/2, R 2/3, F1 0.8; b: P 1/2, R 1/2, F1 0.5; c: P 1/2, R 1, F1 2/3
    expect(r.perClass.map((m) => m.f1)).toEqual([expect.closeTo(0.8, 10), expect.closeTo(0.5, 10), expect.closeTo(2 / 3, 10)]);
    expect(r.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 10);
    expect(r.confused).toEqual([
      { true: 'a', predicted: 'b', count: 1 },
      { true: 'b', predicted: 'c', count: 1 },
    ]);
  });

  it('leaves classes absent from truth and predictions out of macro-F1', () => {
    const r = classificationReport([0, 1], [0, 1], ['a', 'b', 'unused']);
    expect(r.macroF1).toBe(1);
    expect(r.perClass[2]).toMatchObject({ support: 0, f1: 0 });
  });

  it('takes the arg-max of probability rows', () => {
    expect([...argmaxRows(Float32Array.of(0.2, 0.8, 0.9, 0.1, 0.3, 0.3), 3, 2)]).toEqual([1, 0, 0]);
  });
});
