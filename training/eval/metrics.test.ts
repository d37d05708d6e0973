import { describe, expect, it } from 'vitest';
import { evaluateRun, mrrAtK, ndcgAtK, recallAtK } from './metrics.ts';

// Graded judgments used by most cases: d5 is the best document, d1 next, d3 marginal.
const graded = new Map([
  ['d1', 2],
  ['d3', 1],
  ['d5', 3],
]);
// Ideal ordering d5, d1, d3: IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.2618595 + 0.5 = 4.7618595
const IDCG = 4.7618595071429155;

describe('ndcgAtK', () => {
  it('uses linear gain, log2(rank+1) discount and the ideal DCG of the judgments', () => {
    // top-3 = d1, d2, d3: DCG = 2/log2(2) + 0/log2(3) + 1/log2(4) = 2 + 0 + 0.5 = 2.5
    // nDCG = 2.5 / 4.7618595 = 0.5250050
    expect(ndcgAtK(['d1', 'd2', 'd3', 'd4'], graded, 3)).toBeCloseTo(2.5 / IDCG, 10);
    expect(ndcgAtK(['d1', 'd2', 'd3', 'd4'], graded, 3)).toBeCloseTo(0.525005, 6);
  });

  it('is 1 for the ideal ranking and lower for any swap', () => {
    expect(ndcgAtK(['d5', 'd1', 'd3'], graded, 3)).toBeCloseTo(1, 12);
    // d1, d5, d3: DCG = 2 + 3/log2(3) + 0.5 = 2 + 1.8927893 + 0.5 = 4.3927893 -> 4.3927893 / 4.7618595 = 0.9224945
    expect(ndcgAtK(['d1', 'd5', 'd3'], graded, 3)).toBeCloseTo(0.9224945, 6);
  });

  it('binary judgment at rank 2 gives 1/log2(3)', () => {
    // DCG = 1/log2(3) = 0.6309298, IDCG = 1/log2(2) = 1
    expect(ndcgAtK(['a', 'b'], new Map([['b', 1]]), 10)).toBeCloseTo(0.6309298, 6);
  });

  it('handles k larger than the ranking (ideal DCG still cut at k over all judgments)', () => {
    // ranking d2, d5 with k = 10: DCG = 0 + 3/log2(3) = 1.8927893; IDCG@10 uses all 3 judged docs = 4.7618595
    // nDCG = 1.8927893 / 4.7618595 = 0.3974895
    expect(ndcgAtK(['d2', 'd5'], graded, 10)).toBeCloseTo(0.3974895, 6);
  });

  it('cuts the ideal DCG at k too', () => {
    // k = 1: ideal is just d5 (3/1 = 3); ranking d1 first: DCG = 2 -> 2/3
    expect(ndcgAtK(['d1', 'd5'], graded, 1)).toBeCloseTo(2 / 3, 12);
  });

  it('is 0 when nothing relevant is retrieved or nothing is judged positive', () => {
    expect(ndcgAtK(['x', 'y', 'z'], graded, 10)).toBe(0);
    expect(ndcgAtK([], graded, 10)).toBe(0);
    expect(ndcgAtK(['d1'], new Map([['d1', 0]]), 10)).toBe(0);
  });

  it('counts a document repeated in a ranking once', () => {
    // d2, d2, d5 at k = 2 -> distinct top 2 = d2, d5: DCG = 0 + 3/log2(3) = 1.8927893;
    // IDCG@2 = 3 + 2/log2(3) = 4.2618595 -> 0.4441229. Keeping the copy of d2 in the top 2 would give 0.
    expect(ndcgAtK(['d2', 'd2', 'd5'], graded, 2)).toBeCloseTo(0.4441229, 6);
    // single judged doc repeated: DCG would be 1 + 1/log2(3) > 1 if counted twice; once gives exactly 1
    expect(ndcgAtK(['a', 'a', 'a'], new Map([['a', 1]]), 3)).toBeCloseTo(1, 12);
  });

  it('gives negative grades no gain', () => {
    // d1 grade -1 -> gain 0; d2 at rank 2: 1/log2(3)
    expect(ndcgAtK(['d1', 'd2'], new Map([['d1', -1], ['d2', 1]]), 10)).toBeCloseTo(0.6309298, 6);
  });

  it('rejects a non-positive k', () => {
    expect(() => ndcgAtK(['a'], graded, 0)).toThrow(RangeError);
  });
});

describe('mrrAtK', () => {
  it('is the reciprocal rank of the first relevant document', () => {
    expect(mrrAtK(['d1', 'd2'], graded, 10)).toBe(1);
    expect(mrrAtK(['x', 'y', 'd3'], graded, 10)).toBeCloseTo(1 / 3, 12);
  });

  it('is 0 when the first relevant document falls past k', () => {
    expect(mrrAtK(['x', 'y', 'd3'], graded, 2)).toBe(0);
  });

  it('skips duplicates when counting ranks', () => {
    // x, x, d3 -> distinct x, d3: first relevant at rank 2
    expect(mrrAtK(['x', 'x', 'd3'], graded, 10)).toBe(0.5);
  });

  it('does not treat grade 0 or negative as relevant', () => {
    expect(mrrAtK(['a', 'b', 'c'], new Map([['a', 0], ['b', -1], ['c', 1]]), 10)).toBeCloseTo(1 / 3, 12);
  });
});

describe('recallAtK', () => {
  it('is the share of relevant documents found in the top k', () => {
    // top-3 holds d1 and d3 of {d1, d3, d5} -> 2/3
    expect(recallAtK(['d1', 'd2', 'd3', 'd5'], graded, 3)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(['d1', 'd2', 'd3', 'd5'], graded, 4)).toBe(1);
  });

  it('does not exceed 1 when documents repeat', () => {
    // counting the repeats would give 3/1
    expect(recallAtK(['a', 'a', 'a'], new Map([['a', 1]]), 3)).toBe(1);
  });

  it('is 0 with no relevant documents retrieved or judged', () => {
    expect(recallAtK(['x'], graded, 10)).toBe(0);
    expect(recallAtK(['x'], new Map(), 10)).toBe(0);
  });
});

describe('evaluateRun', () => {
  const qrels = new Map([
    ['q1', new Map([['d1', 1]])],
    ['q2', new Map([['d9', 0]])], // judged but no positive: excluded
    ['q3', new Map([['d3', 1]])], // not in the run
    ['q4', new Map([['a', 1], ['b', 1]])],
  ]);
  const run = new Map([
    ['q1', ['d1', 'x']],
    ['q2', ['d9']],
    ['q4', ['x', 'a']],
    ['q5', ['z']], // no judgments
  ]);

  it('returns per-query values, means and counts; missing queries score 0', () => {
    const r = evaluateRun(run, qrels, { k: 10 });
    expect(r.evaluated).toBe(3);
    expect(r.excludedNoPositives).toBe(1);
    expect(r.missingFromRun).toBe(1);
    expect(r.unjudged).toBe(1);
    expect([...r.perQuery.keys()]).toEqual(['q1', 'q3', 'q4']);
    // q4: DCG = 1/log2(3) = 0.6309298; IDCG = 1 + 1/log2(3) = 1.6309298 -> 0.3868528
    expect(r.perQuery.get('q4')?.ndcg).toBeCloseTo(0.3868528, 6);
    expect(r.perQuery.get('q4')?.mrr).toBe(0.5);
    expect(r.perQuery.get('q4')?.recall).toBe(0.5);
    expect(r.perQuery.get('q3')).toEqual({ ndcg: 0, mrr: 0, recall: 0 });
    // means over q1, q3, q4: nDCG (1 + 0 + 0.3868528)/3 = 0.4622843; MRR (1 + 0 + 0.5)/3 = 0.5; recall 0.5
    expect(r.mean.ndcg).toBeCloseTo(0.4622843, 6);
    expect(r.mean.mrr).toBeCloseTo(0.5, 12);
    expect(r.mean.recall).toBeCloseTo(0.5, 12);
  });

  it("averages only over answered queries with missing: 'skip'", () => {
    const r = evaluateRun(run, qrels, { k: 10, missing: 'skip' });
    expect(r.evaluated).toBe(2);
    expect(r.missingFromRun).toBe(1);
    // (1 + 0.3868528) / 2 = 0.6934264
    expect(r.mean.ndcg).toBeCloseTo(0.6934264, 6);
  });

  it('applies the cut-off k', () => {
    const r = evaluateRun(run, qrels, { k: 1 });
    // q4 at k=1: nothing relevant in the top 1
    expect(r.perQuery.get('q4')).toEqual({ ndcg: 0, mrr: 0, recall: 0 });
    expect(r.k).toBe(1);
  });

  it('gives NaN means when no query can be evaluated', () => {
    const r = evaluateRun(new Map(), new Map([['q', new Map([['d', 0]])]]), { k: 10 });
    expect(r.evaluated).toBe(0);
    expect(Number.isNaN(r.mean.ndcg)).toBe(true);
  });
});
