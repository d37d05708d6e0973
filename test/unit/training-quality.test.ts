import { describe, expect, it } from 'vitest';
import { exactDuplicates, iqrOutliers, judgmentStats, nearDuplicates, textProblems } from '../../training/quality/checks.ts';

describe('data-quality checks', () => {
  it('finds exact duplicates after normalising case and spaces', () => {
    const docs = [
      { id: 'a', fields: { title: 'Quiet  Fridge', text: 'x' } },
      { id: 'b', fields: { title: 'quiet fridge', text: 'X' } },
      { id: 'c', fields: { title: 'Loud fridge', text: 'x' } },
    ];
    expect(exactDuplicates(docs)).toEqual([['a', 'b']]);
  });

  it('finds near duplicates by cosine', () => {
    const s = Math.SQRT1_2;
    const v = Float32Array.of(1, 0, 0.999, Math.sqrt(1 - 0.999 ** 2), s, s);
    expect(nearDuplicates(v, 3, 2, { threshold: 0.95 })).toEqual([{ i: 0, j: 1, cosine: expect.closeTo(0.999, 5) }]);
  });

  it('flags empty, short, U+FFFD, mojibake and control characters', () => {
    expect(textProblems(undefined)).toEqual(['empty']);
    expect(textProblems('  ')).toEqual(['empty']);
    expect(textProblems('ab')).toEqual(['very short']);
    expect(textProblems('caf\ufffd latte')).toEqual(['replacement character']);
    expect(textProblems('CafÃ© au lait')).toEqual(['mojibake']);
    expect(textProblems('Itâ€™s broken')).toEqual(['mojibake']);
    expect(textProblems('bell\u0007 here')).toEqual(['control character']);
    expect(textProblems('Café au lait — ok')).toEqual([]);
  });

  it('finds IQR outliers (hand-computed fences)', () => {
    // sorted 1..8 and 100: Q1 = 3, Q3 = 7 (linear interpolation over 9 values), IQR 4, fences -3 and 13.
    const r = iqrOutliers([1, 2, 3, 4, 5, 6, 7, 8, 100, undefined]);
    expect(r).toMatchObject({ q1: 3, q3: 7, low: -3, high: 13, missing: 1, outliers: [{ index: 8, value: 100 }] });
  });

  it('summarises judgments: balance, queries without positives, coverage', () => {
    const qrels = new Map([
      ['q1', new Map([['d1', 1], ['d2', 0]])],
      ['q2', new Map([['d3', 0], ['zz', 0]])],
    ]);
    const s = judgmentStats(qrels, new Set(['d1', 'd2', 'd3', 'd4']));
    expect(s).toMatchObject({ queries: 2, pairs: 4, grades: { '0': 3, '1': 1 }, positiveShare: 0.25, queriesWithoutPositive: 1, judgedDocs: 4, judgedDocsMissingFromCorpus: 1, corpusCoverage: 0.75 });
  });
});
