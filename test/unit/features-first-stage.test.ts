/**
 * First-stage features of a part of a window (one shard's hits, sent by the rescorer) equal those of the whole
 * window when the part carries the window's best BM25 score.
 */
import { describe, expect, it } from 'vitest';
import { assembleFeatures, type FeatureCandidate } from '../../service/features/assemble.ts';

const options = { textEncoders: [] as string[] };
const query = { text: 'quiet dishwasher', vectors: {} };
const candidate = (id: string, bm25: number, rank: number, bm25Max?: number): FeatureCandidate => ({
  id,
  doc: { title: id },
  vectors: {},
  firstStage: { bm25: { score: bm25, rank }, knn: null, fusedRank: rank, fusedScore: 1 / (60 + rank), ...(bm25Max !== undefined ? { bm25Max } : {}) },
});

function norms(candidates: FeatureCandidate[]): number[] {
  const { names, rows } = assembleFeatures(query, candidates, options);
  const j = names.indexOf('fs:bm25_norm');
  return candidates.map((_, i) => rows[i * names.length + j]!);
}

describe('fs:bm25_norm', () => {
  it('divides by the best BM25 score among the candidates at hand by default', () => {
    expect(norms([candidate('a', 4, 1), candidate('b', 2, 2), candidate('c', 1, 3)])).toEqual([1, 0.5, 0.25]);
  });

  it("divides a part's scores by the whole window's best when the part carries it", () => {
    const whole = norms([candidate('a', 4, 1), candidate('b', 2, 2), candidate('c', 1, 3)]);
    const part = norms([candidate('b', 2, 2, 4), candidate('c', 1, 3, 4)]);
    expect(part).toEqual(whole.slice(1));
  });
});
