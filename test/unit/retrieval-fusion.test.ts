import { describe, expect, it } from 'vitest';
import { PLAIN_RRF, queryBm25Weight, topGap, weightedFusion, type Fusion } from '../../service/retrieval/fusion.ts';
import { reciprocalRankFusion } from '../../service/retrieval/rrf.ts';
import { bm25Fields, DEFAULT_BM25, IndexTuningSchema, LEGACY_BM25 } from '../../service/retrieval/tuning.ts';
import { bm25Body } from '../../service/retrieval/hybrid.ts';
import { adaptVector, AdapterArtifactSchema, createAdapter } from '../../service/retrieval/adapter.ts';

const bm25 = [
  { id: 'a', score: 10 },
  { id: 'b', score: 5 },
  { id: 'c', score: 4 },
];
const knn = [
  { id: 'c', score: 0.9 },
  { id: 'd', score: 0.85 },
  { id: 'a', score: 0.5 },
];
const ids = (f: ReturnType<typeof weightedFusion>) => f.map((c) => c.id);

describe('weightedFusion', () => {
  it('is plain RRF at weight 0.5, scores included', () => {
    const plain = reciprocalRankFusion(bm25, knn, { k: 60 });
    const weighted = weightedFusion('q', bm25, knn, PLAIN_RRF);
    expect(ids(weighted)).toEqual(ids(plain));
    weighted.forEach((c, i) => expect(c.fusedScore).toBeCloseTo(plain[i]!.fusedScore, 12));
  });

  it('is BM25 alone at weight 1 and kNN alone at weight 0, for both families', () => {
    for (const method of ['rrf', 'convex'] as const) {
      const f = (w: number): Fusion => ({ method, bm25Weight: w, k: 60, codeShift: 0, gapShift: 0 });
      expect(ids(weightedFusion('q', bm25, knn, f(1))).slice(0, 3)).toEqual(['a', 'b', 'c']);
      expect(ids(weightedFusion('q', bm25, knn, f(0))).slice(0, 3)).toEqual(['c', 'd', 'a']);
    }
  });

  it('combines min-max normalised scores in the convex family', () => {
    const fused = weightedFusion('q', bm25, knn, { method: 'convex', bm25Weight: 0.5, k: 60, codeShift: 0, gapShift: 0 });
    const byId = Object.fromEntries(fused.map((c) => [c.id, c.fusedScore]));
    expect(byId.a).toBeCloseTo(0.5 * 1 + 0.5 * 0, 9);
    expect(byId.c).toBeCloseTo(0.5 * 0 + 0.5 * 1, 9);
    expect(byId.d).toBeCloseTo(0.5 * 0.875, 9);
    expect(fused.map((c) => c.fusedRank)).toEqual([1, 2, 3, 4]);
  });

  it('shifts weight toward BM25 for product codes and for a clear BM25 winner', () => {
    const f: Fusion = { method: 'rrf', bm25Weight: 0.3, k: 60, codeShift: 0.5, gapShift: 0.5 };
    expect(topGap(bm25)).toBeCloseTo(0.5, 9);
    expect(topGap(knn)).toBeCloseTo(0.05 / 0.9, 9);
    expect(queryBm25Weight({ ...f, gapShift: 0 }, 'quiet fridge', bm25, knn)).toBeCloseTo(0.3, 9);
    expect(queryBm25Weight({ ...f, gapShift: 0 }, 'RF28R7351 fridge', bm25, knn)).toBeCloseTo(0.8, 9);
    expect(queryBm25Weight(f, 'RF28R7351 fridge', bm25, knn)).toBe(1);
    expect(queryBm25Weight({ ...f, codeShift: 0 }, 'x', bm25, knn)).toBeCloseTo(0.3 + 0.5 * (0.5 - 0.05 / 0.9), 9);
  });
});

describe('index tuning', () => {
  it('turns boosts into multi_match fields, leaving out zero-weight fields', () => {
    expect(bm25Fields(DEFAULT_BM25)).toEqual({ raw: ['title^1', 'brand^1', 'category.text^1', 'description^1', 'reviews^1'], stemmed: ['stemmed_title^1', 'stemmed_body^1'] });
    expect(bm25Fields(LEGACY_BM25).raw[0]).toBe('title^3');
    const body = bm25Body('quiet fridge', [], 10, { boosts: { title: 2, brand: 0, category: 0, body: 1, reviews: 0 }, tieBreaker: 1 });
    expect(JSON.stringify(body)).toContain('"fields":["title^2","description^1"],"type":"best_fields","tie_breaker":1');
  });

  it('validates what is stored with the index', () => {
    const ok = IndexTuningSchema.safeParse({ format: 'strata-index-tuning/1', version: '1', createdAt: 'now', fusion: { method: 'convex', bm25Weight: 0.4, metrics: {} } });
    expect(ok.success && ok.data.fusion).toMatchObject({ k: 60, codeShift: 0, gapShift: 0 });
    expect(IndexTuningSchema.safeParse({ format: 'strata-index-tuning/1', version: '1', createdAt: 'now', fusion: { method: 'convex', bm25Weight: 2 } }).success).toBe(false);
  });
});

describe('query adapter', () => {
  it('is the identity while its up-projection is zero, and a normalised residual map otherwise', () => {
    const v = Float32Array.from([0.6, 0.8, 0]);
    const down = Float32Array.from([1, 0, 0]);
    expect(Array.from(adaptVector(v, down, new Float32Array(3), 3, 1))).toEqual(Array.from(v));
    const up = Float32Array.from([0, 0, 1]); // adds 0.6 * e3
    const out = adaptVector(v, down, up, 3, 1);
    const n = Math.hypot(0.6, 0.8, 0.6);
    [0.6 / n, 0.8 / n, 0.6 / n].forEach((x, i) => expect(out[i]!).toBeCloseTo(x, 6));
    const artifact = AdapterArtifactSchema.parse({ format: 'strata-adapter/1', name: 'a', version: '1', encoder: 'text/x', side: 'query', dim: 3, rank: 1, down: [1, 0, 0], up: [0, 0, 1], createdAt: 'now' });
    expect(Array.from(createAdapter(artifact).apply(v))).toEqual(Array.from(out));
    expect(() => createAdapter(artifact).apply(new Float32Array(4))).toThrow(/3 dims/);
    expect(AdapterArtifactSchema.safeParse({ ...artifact, up: [1] }).success).toBe(false);
  });
});
