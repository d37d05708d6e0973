import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from '../../service/retrieval/rrf.ts';
import { FiltersSchema, filterClauses } from '../../service/retrieval/filters.ts';

describe('reciprocalRankFusion', () => {
  it('sums 1/(k+rank) over the lists and keeps per-list score and rank', () => {
    const fused = reciprocalRankFusion(
      [{ id: 'a', score: 9 }, { id: 'b', score: 5 }, { id: 'c', score: 1 }],
      [{ id: 'c', score: 0.9 }, { id: 'a', score: 0.8 }, { id: 'd', score: 0.7 }],
      { k: 10 },
    );
    // a: 1/11 + 1/12 = 0.17424; c: 1/13 + 1/11 = 0.16783; b: 1/12 = 0.08333; d: 1/13 = 0.07692
    expect(fused.map((c) => c.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused[0]!.fusedScore).toBeCloseTo(1 / 11 + 1 / 12, 10);
    expect(fused[1]).toMatchObject({ bm25: { rank: 3, score: 1 }, knn: { rank: 1, score: 0.9 }, fusedRank: 2 });
    expect(fused[3]).toMatchObject({ bm25: null, knn: { rank: 3 } });
  });

  it('fuses a query image list as a third list, and leaves it out of candidates when there is none', () => {
    const fused = reciprocalRankFusion([{ id: 'a', score: 9 }], [{ id: 'a', score: 0.9 }], { k: 10, image: [{ id: 'b', score: 0.99 }, { id: 'a', score: 0.5 }] });
    expect(fused.map((c) => c.id)).toEqual(['a', 'b']);
    expect(fused[0]!.fusedScore).toBeCloseTo(1 / 11 + 1 / 11 + 1 / 12, 12);
    expect(fused[1]).toMatchObject({ bm25: null, knn: null, image: { rank: 1, score: 0.99 }, fusedRank: 2 });
    expect(reciprocalRankFusion([{ id: 'a', score: 1 }], [], { k: 10 })[0]).not.toHaveProperty('image');
  });

  it('counts a duplicate in one list once', () => {
    const fused = reciprocalRankFusion([{ id: 'a', score: 2 }, { id: 'a', score: 1 }], [], { k: 60 });
    expect(fused).toHaveLength(1);
    expect(fused[0]!.fusedScore).toBeCloseTo(1 / 61, 12);
  });
});

describe('filters', () => {
  it('reads a category filter written as breadcrumbs as the stored path', () => {
    expect(filterClauses(FiltersSchema.parse({ category: 'Home > Kitchen' }))).toEqual([
      { bool: { should: [{ term: { category: 'Home/Kitchen' } }, { prefix: { category: 'Home/Kitchen/' } }], minimum_should_match: 1 } },
    ]);
  });

  it('builds term, prefix, range and attribute clauses', () => {
    const f = FiltersSchema.parse({
      brand: ['Acme', 'Bosch'],
      category: 'appliances/kitchen/',
      price: { gte: 100, lte: 500 },
      release_date: { gte: 'now-2y' },
      attributes: { energy_class: 'A', capacity_l: { gte: 300 }, color: ['white', 'black'] },
    });
    expect(filterClauses(f)).toEqual([
      { terms: { 'brand.raw': ['Acme', 'Bosch'] } },
      { bool: { should: [{ term: { category: 'appliances/kitchen' } }, { prefix: { category: 'appliances/kitchen/' } }], minimum_should_match: 1 } },
      { range: { price: { gte: 100, lte: 500 } } },
      { range: { release_date: { gte: 'now-2y' } } },
      { term: { 'attributes.energy_class': 'A' } },
      { range: { 'attributes.capacity_l': { gte: 300 } } },
      { terms: { 'attributes.color': ['white', 'black'] } },
    ]);
  });

  it('names an unknown field and a bad range', () => {
    const unknown = FiltersSchema.safeParse({ colour: 'red' });
    expect(unknown.success).toBe(false);
    expect(JSON.stringify(unknown.error!.issues)).toMatch(/colour/);
    const bad = FiltersSchema.safeParse({ price: { gte: 500, lte: 100 } });
    expect(bad.error!.issues[0]!.path).toEqual(['price']);
    expect(bad.error!.issues[0]!.message).toMatch(/lower bound is above upper bound/);
    const empty = FiltersSchema.safeParse({ rating: {} });
    expect(empty.error!.issues[0]!.message).toMatch(/at least one/);
    const wrongType = FiltersSchema.safeParse({ release_date: { gte: 'yesterday' } });
    expect(wrongType.error!.issues[0]!.path).toEqual(['release_date', 'gte']);
    expect(wrongType.error!.issues[0]!.message).toMatch(/ISO dates \(2024-05-01\) or date maths/);
    // Numbers are refused for dates, and the bound's own type says so (the JSON schema is generated from it).
    expect(FiltersSchema.safeParse({ release_date: { gte: 20240101 } }).error!.issues[0]!.path).toEqual(['release_date', 'gte']);
  });
});
