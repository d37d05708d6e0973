import { describe, expect, it } from 'vitest';
import type { CatalogDocument } from '../../service/catalog/schema.ts';
import { StrataError } from '../../service/errors.ts';
import { parseBudget } from '../../service/query/budget.ts';
import {
  DEFAULT_WEIGHTS,
  rerankCandidates,
  SIGNALS,
  WeightsSchema,
  type RerankCandidate,
  type RerankedItem,
} from '../../service/rerank/rerank.ts';

const NOW = new Date('2026-01-01T00:00:00Z');

function one(doc: Partial<CatalogDocument>, options: Parameters<typeof rerankCandidates>[1] = {}, relevance = 0.5) {
  return rerankCandidates([{ id: 'x', relevance, doc }], { now: NOW, ...options })[0]!;
}

function sumInOrder(item: RerankedItem): number {
  let sum = 0;
  for (const s of SIGNALS) sum += item.contributions[s];
  return sum;
}

// A slightly more relevant, old, unrated, over-budget fridge against a newer, well-rated one within budget.
const oldPricey: RerankCandidate = {
  id: 'old-pricey',
  relevance: 0.8,
  doc: { title: 'Fridge A', price: 900, release_date: '2015-03-01' },
};
const newCheap: RerankCandidate = {
  id: 'new-cheap',
  relevance: 0.78,
  doc: {
    title: 'Fridge B',
    price: 450,
    release_date: '2025-12-01',
    rating: 4.8,
    review_count: 500,
    attributes: { verified: true },
  },
};
const budget = parseBudget('fridge under $500');

describe('rerankCandidates: ordering', () => {
  it('lets newer, better-rated, in-budget metadata overtake a slightly more relevant item with the default weights', () => {
    const ranked = rerankCandidates([oldPricey, newCheap], { now: NOW, budget });
    expect(ranked.map((r) => r.id)).toEqual(['new-cheap', 'old-pricey']);
    expect(ranked[0]!.contributions.price).toBe(0.2);
    expect(ranked[1]!.contributions.price).toBeLessThan(1e-3);
  });

  it('keeps relevance order when the weights turn metadata off', () => {
    const off = { recency: 0, popularity: 0, rating: 0, trust: 0, price: 0 };
    const ranked = rerankCandidates([newCheap, oldPricey], { now: NOW, budget, weights: off });
    expect(ranked.map((r) => r.id)).toEqual(['old-pricey', 'new-cheap']);
    expect(ranked[0]!.score).toBe(0.8);
  });

  it('does not let metadata overturn a large relevance gap with the default weights', () => {
    const ranked = rerankCandidates([{ ...oldPricey, relevance: 0.9 }, { ...newCheap, relevance: 0.5 }], {
      now: NOW,
      budget,
    });
    expect(ranked[0]!.id).toBe('old-pricey');
  });

  it('uses the price signal only when a budget is given', () => {
    const ranked = rerankCandidates([oldPricey, newCheap], { now: NOW, weights: { recency: 0, rating: 0, popularity: 0, trust: 0 } });
    expect(ranked[0]!.id).toBe('old-pricey');
    expect(ranked.every((r) => r.signals.price === null && r.contributions.price === 0)).toBe(true);
  });

  it('breaks exact ties by relevance, then by id', () => {
    const ranked = rerankCandidates(
      [
        { id: 'b', relevance: 0.5, doc: {} },
        { id: 'trusted', relevance: 0.5, doc: { attributes: { verified: true } } },
        { id: 'a', relevance: 0.5, doc: {} },
        { id: 'plain', relevance: 0.75, doc: {} },
      ],
      { now: NOW, weights: { trust: 0.25 } },
    );
    expect(ranked[0]!.score).toBe(ranked[1]!.score);
    expect(ranked.map((r) => r.id)).toEqual(['plain', 'trusted', 'a', 'b']);
  });

  it('reports the input position and leaves the input untouched', () => {
    const input = [oldPricey, newCheap];
    const copy = structuredClone(input);
    const ranked = rerankCandidates(input, { now: NOW, budget });
    expect(ranked.map((r) => r.index)).toEqual([1, 0]);
    expect(input).toEqual(copy);
    expect(rerankCandidates([], {})).toEqual([]);
  });
});

describe('rerankCandidates: explanations', () => {
  it('contributions add up to the score exactly, for many random documents and weights', () => {
    // A small LCG so the test is reproducible without a dependency.
    let seed = 42;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32);
    for (let round = 0; round < 50; round++) {
      const weights = Object.fromEntries(SIGNALS.map((s) => [s, rand() * 2]));
      const items: RerankCandidate[] = Array.from({ length: 20 }, (_, i) => ({
        id: `d${i}`,
        relevance: rand(),
        doc: {
          ...(rand() > 0.3 ? { price: Math.round(rand() * 1000) } : {}),
          ...(rand() > 0.3 ? { rating: Math.round(rand() * 50) / 10, review_count: Math.floor(rand() * 3000) } : {}),
          ...(rand() > 0.3 ? { release_date: `20${10 + Math.floor(rand() * 16)}-0${1 + Math.floor(rand() * 9)}-15` } : {}),
          ...(rand() > 0.5 ? { attributes: { trust: rand() } } : {}),
        },
      }));
      const ranked = rerankCandidates(items, { now: NOW, weights, budget: { min: 200, max: 600 } });
      for (const item of ranked) {
        expect(sumInOrder(item)).toBe(item.score);
        expect(Object.keys(item.contributions)).toEqual([...SIGNALS]);
        for (const s of SIGNALS) expect(item.contributions[s]).toBe(weights[s]! * (item.signals[s] ?? 0));
      }
      for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score);
    }
  });

  it('a zero weight removes a signal: it is still reported but contributes nothing', () => {
    const doc = { rating: 4.9, review_count: 800 };
    const rated = one(doc, { weights: { rating: 0 } });
    expect(rated.signals.rating).toBeGreaterThan(0.9);
    expect(rated.contributions.rating).toBe(0);
    expect(rated.score).toBe(one({ review_count: 800 }, { weights: { rating: 0 } }).score);
  });
});

describe('rerankCandidates: signals', () => {
  it('recency halves every half-life and treats future dates as new', () => {
    expect(one({ release_date: '2025-01-01' }).signals.recency).toBe(0.5);
    expect(one({ release_date: '2025-12-02' }, { halfLifeDays: 30 }).signals.recency).toBe(0.5);
    expect(one({ release_date: '2026-06-01' }).signals.recency).toBe(1);
    expect(one({ release_date: '2025-01-01' }).contributions.recency).toBe(0.025);
  });

  it('popularity grows with log1p(review_count) up to the cap', () => {
    expect(one({ review_count: 0 }).signals.popularity).toBe(0);
    expect(one({ review_count: 99 }, { popularityCap: 9999 }).signals.popularity).toBeCloseTo(0.5, 12);
    expect(one({ review_count: 10_000 }).signals.popularity).toBe(1);
    expect(one({ review_count: 250_000 }).signals.popularity).toBe(1);
  });

  it('rating is a Bayesian average that shrinks few reviews towards the prior', () => {
    expect(one({ rating: 5, review_count: 10 }).signals.rating).toBeCloseTo(0.85, 12);
    expect(one({ rating: 5, review_count: 0 }).signals.rating).toBeCloseTo(0.7, 12);
    expect(one({ rating: 5 }).signals.rating).toBeCloseTo(0.7, 12);
    expect(one({ rating: 4.6, review_count: 2000 }).signals.rating!).toBeGreaterThan(one({ rating: 5, review_count: 2 }).signals.rating!);
    expect(one({ rating: 2, review_count: 10 }, { ratingPrior: { mean: 4, weight: 30 } }).signals.rating).toBeCloseTo(0.7, 12);
    expect(one({ rating: 4 }, { ratingPrior: { mean: 3, weight: 0 } }).signals.rating).toBeCloseTo(0.8, 12);
  });

  it('trust comes from attributes.trust, else attributes.verified', () => {
    expect(one({ attributes: { trust: 0.3 } }).signals.trust).toBe(0.3);
    expect(one({ attributes: { trust: 0.3, verified: true } }).signals.trust).toBe(0.3);
    expect(one({ attributes: { verified: true } }).signals.trust).toBe(1);
    expect(one({ attributes: { verified: false } }).signals.trust).toBe(0);
    expect(one({ attributes: { color: 'red' } }).signals.trust).toBeNull();
    expect(one({ attributes: { trust: 7 } }).signals.trust).toBeNull();
  });

  it('price fit is 1 within budget and decays with a 10% scale outside it', () => {
    const range = { min: 100, max: 500 };
    expect(one({ price: 300 }, { budget: range }).signals.price).toBe(1);
    expect(one({ price: 500 }, { budget: range }).signals.price).toBe(1);
    expect(one({ price: 550 }, { budget: range }).signals.price).toBe(Math.exp(-1));
    expect(one({ price: 90 }, { budget: range }).signals.price).toBe(Math.exp(-1));
    expect(one({ price: 600 }, { budget: { max: 500 } }).signals.price).toBe(Math.exp(-2));
    expect(one({ price: 5 }, { budget: { max: 0 } }).signals.price).toBe(0);
    expect(one({}, { budget: range }).signals.price).toBe(0.5);
    expect(one({ price: 300, currency: 'EUR' }, { budget: { max: 100, currency: 'USD' } }).signals.price).toBe(0.5);
    expect(one({ price: 300, currency: 'usd' }, { budget: { max: 100, currency: 'USD' } }).signals.price).toBeLessThan(1e-6);
    expect(one({ price: 300 }, { budget: { matched: '' } }).signals.price).toBeNull();
  });
});

describe('rerankCandidates: the image signal', () => {
  it('is the clipped query-image cosine, weighted 0.5 by default, and null without a pair', () => {
    const pictured = (imageSimilarity: unknown, relevance: number, id: string) => ({ id, relevance, doc: {}, imageSimilarity }) as RerankCandidate;
    const ranked = rerankCandidates([pictured(0.2, 0.6, 'unlike'), pictured(0.9, 0.5, 'alike'), pictured(undefined, 0.55, 'no-photo')], { now: NOW });
    expect(ranked.map((r) => r.id)).toEqual(['alike', 'unlike', 'no-photo']);
    expect(ranked[0]!.contributions.image).toBe(0.45);
    expect(ranked[0]!.score).toBe(sumInOrder(ranked[0]!));
    expect(ranked[2]!.signals.image).toBeNull();
    expect(ranked[2]!.contributions.image).toBe(0);
    expect(rerankCandidates([pictured(1.3, 0.5, 'a')])[0]!.signals.image).toBe(1);
    expect(rerankCandidates([pictured(-0.2, 0.5, 'a')])[0]!.signals.image).toBe(0);
    expect(rerankCandidates([pictured(Number.NaN, 0.5, 'a')])[0]!.signals.image).toBeNull();
    expect(rerankCandidates([pictured(0.9, 0.5, 'a')], { weights: { image: 0 } })[0]!.score).toBe(0.5);
  });
});

describe('rerankCandidates: missing and malformed metadata', () => {
  it('a document without metadata scores its relevance exactly', () => {
    const item = one({}, {}, 0.37);
    expect(item.score).toBe(0.37);
    expect(item.signals).toEqual({ relevance: 0.37, recency: null, popularity: null, rating: null, trust: null, price: null, image: null, understood: null });
    expect(Object.values(item.contributions)).toEqual([0.37, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('malformed values count as missing and never produce NaN', () => {
    const junk = {
      rating: Number.NaN,
      review_count: -3,
      release_date: 'soon',
      price: Number.POSITIVE_INFINITY,
      attributes: { trust: 'high' },
    } as unknown as Partial<CatalogDocument>;
    const item = one(junk, { budget: { max: 100 } });
    expect(Number.isFinite(item.score)).toBe(true);
    expect(item.signals).toEqual({ relevance: 0.5, recency: null, popularity: null, rating: null, trust: null, price: 0.5, image: null, understood: null });
    const noDoc = rerankCandidates([{ id: 'y', relevance: 0.2 } as RerankCandidate], { now: NOW })[0]!;
    expect(noDoc.score).toBe(0.2);
  });
});

describe('weights and options validation', () => {
  it('exports the documented defaults', () => {
    expect(DEFAULT_WEIGHTS).toEqual({ relevance: 1, recency: 0.05, popularity: 0.05, rating: 0.05, trust: 0.02, price: 0.2, image: 0.5, understood: 0.2 });
    expect(Object.isFrozen(DEFAULT_WEIGHTS)).toBe(true);
  });

  it('WeightsSchema accepts partial overrides and rejects negative, non-finite and unknown weights', () => {
    expect(WeightsSchema.parse({ price: 0.5 })).toEqual({ price: 0.5 });
    expect(WeightsSchema.parse({})).toEqual({});
    for (const bad of [{ price: -0.1 }, { rating: Number.NaN }, { recency: Number.POSITIVE_INFINITY }, { pricee: 1 }, { trust: '1' }]) {
      expect(WeightsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('rerankCandidates raises catalogued validation errors', () => {
    const expectValidation = (fn: () => unknown, pattern: RegExp) => {
      try {
        fn();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(StrataError);
        expect((e as StrataError).code).toBe('validation');
        expect((e as StrataError).status).toBe(400);
        expect((e as StrataError).message).toMatch(pattern);
      }
    };
    const items = [{ id: 'a', relevance: 0.5, doc: {} }];
    expectValidation(() => rerankCandidates(items, { weights: { price: -1 } }), /weights\.price/);
    expectValidation(() => rerankCandidates(items, { weights: { bogus: 1 } as never }), /bogus/);
    expectValidation(() => rerankCandidates(items, { halfLifeDays: 0 }), /halfLifeDays/);
    expectValidation(() => rerankCandidates(items, { popularityCap: -5 }), /popularityCap/);
    expectValidation(() => rerankCandidates(items, { ratingPrior: { mean: 9, weight: 1 } }), /ratingPrior\.mean/);
    expectValidation(() => rerankCandidates([{ id: 'a', relevance: 1.5, doc: {} }]), /items\[0\]\.relevance/);
    expectValidation(() => rerankCandidates([{ id: 'a', relevance: Number.NaN, doc: {} }]), /relevance/);
    expectValidation(() => rerankCandidates(items, { now: new Date('nope') }), /now/);
  });
});
