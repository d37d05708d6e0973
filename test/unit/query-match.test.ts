/**
 * The pieces that judge documents against understood constraints the way Elasticsearch filters them: date math,
 * constraint matching, and the benchmark's scoring of recognised against labelled constraints.
 */
import { describe, expect, it } from 'vitest';
import { resolveDateMath } from '../../service/query/date-math.ts';
import { constraintMatches } from '../../service/query/match-document.ts';
import { understoodSignal, understoodParts } from '../../service/rerank/signals.ts';
import { kindOf, labelledConstraints, satisfies } from '../../training/understanding/labels.ts';
import { constraintNdcg, emptyTally, scoreQuery, type PredictedConstraint } from '../../training/understanding/score.ts';

const NOW = Date.parse('2026-11-29T12:00:00Z');

describe('resolveDateMath', () => {
  it.each([
    ['now/y', false, '2026-01-01T00:00:00.000Z'],
    ['now-1y/y', false, '2025-01-01T00:00:00.000Z'],
    ['now-30d/d', false, '2026-10-30T00:00:00.000Z'],
    ['now/M', false, '2026-11-01T00:00:00.000Z'],
    ['now/y', true, '2026-12-31T23:59:59.999Z'],
    ['2024-01-01', false, '2024-01-01T00:00:00.000Z'],
  ])('%s (round up: %s)', (expr, up, iso) => {
    expect(new Date(resolveDateMath(expr, NOW, up)).toISOString()).toBe(iso);
  });

  it('is NaN for what it does not understand', () => {
    expect(resolveDateMath('yesterday', NOW)).toBeNaN();
  });
});

describe('constraintMatches', () => {
  const doc = { brand: 'Bosch', category: 'appliances/kitchen/dishwashers', price: 600, release_date: '2026-03-01', attributes: { third_rack: true, noise_db: 44 } };
  it('follows Elasticsearch filter semantics', () => {
    expect(constraintMatches(doc, { field: 'brand', value: ['Bosch', 'Miele'] })).toBe(true);
    expect(constraintMatches(doc, { field: 'brand', value: 'bosch' })).toBe(false);
    expect(constraintMatches(doc, { field: 'category', value: 'appliances/kitchen' })).toBe(true);
    expect(constraintMatches(doc, { field: 'category', value: 'appliances/kit' })).toBe(false);
    expect(constraintMatches(doc, { field: 'attributes.noise_db', range: { gte: 44, lt: 44.1 } })).toBe(true);
    expect(constraintMatches(doc, { field: 'attributes.third_rack', value: true })).toBe(true);
    expect(constraintMatches(doc, { field: 'release_date', range: { gte: 'now/y' } }, NOW)).toBe(true);
    expect(constraintMatches(doc, { field: 'release_date', range: { gte: 'now-30d/d' } }, NOW)).toBe(false);
    expect(constraintMatches(doc, { field: 'rating', range: { gte: 4 } })).toBe(false);
  });

  it('gives the understood signal as the weighted share of boosts met, negated ones met when absent', () => {
    const boosts = [
      { field: 'brand', value: 'Bosch', negated: false, weight: 0.5, span: 0 },
      { field: 'rating', range: { gte: 4 }, negated: false, weight: 0.5, span: 1 },
      { field: 'attributes.color', value: 'black', negated: true, weight: 1, span: 2 },
    ];
    expect(understoodSignal(doc, boosts, NOW)).toBe(0.75);
    expect(understoodParts(doc, boosts, NOW).map((p) => p.matched)).toEqual([true, false, true]);
    expect(understoodSignal(doc, [], NOW)).toBeNull();
  });
});

describe('scoring against labels', () => {
  const docs = [
    { id: '1', brand: 'Fila', category: 'footwear/shoes', attributes: { screen_in: 65 } },
    { id: '2', brand: 'FILA', category: 'footwear/shoes/sports-shoes', attributes: { screen_in: 55 } },
    { id: '3', brand: 'Nike', category: 'apparel/tshirts', attributes: { screen_in: 65.5 } },
  ];

  it('reads labels as constraints, brands without case', () => {
    const labels = labelledConstraints({ q: 'fila not nike', f: { brand: 'fila' }, not: { brand: 'Nike' } });
    expect(docs.filter((d) => labels.every((l) => satisfies(d, l, NOW))).map((d) => d.id)).toEqual(['1', '2']);
    expect(kindOf(labels[1]!, new Set())).toBe('negation');
    expect(kindOf({ field: 'attributes.screen_in', negated: false }, new Set(['attributes.screen_in']))).toBe('number');
    expect(kindOf({ field: 'attributes.baseColour', negated: false }, new Set())).toBe('colour');
  });

  it('counts a recognised constraint correct when it selects the same documents as a labelled one', () => {
    const tally = emptyTally();
    const predicted: PredictedConstraint[] = [
      { field: 'brand', value: ['Fila', 'FILA'], negated: false, effect: 'filter', text: 'fila' },
      { field: 'attributes.screen_in', range: { gte: 65, lt: 66 }, negated: false, effect: 'filter', text: '65 inch' },
      { field: 'category', value: 'apparel', negated: false, effect: 'boost', text: 'tee' },
    ];
    const labels = labelledConstraints({ q: 'x', f: { brand: 'Fila', attributes: { screen_in: 65 } } });
    const score = scoreQuery(predicted, labels, docs, new Set(['attributes.screen_in']), NOW, tally);
    expect(score.spans.map((s) => s.correct)).toEqual([true, false, false]);
    expect(tally.brand).toEqual({ predicted: 1, correct: 1, labelled: 1, found: 1 });
    // [65, 66) also takes 65.5, which the labelled 65 does not.
    expect(tally.number).toEqual({ predicted: 1, correct: 0, labelled: 1, found: 0 });
    expect(tally.category).toEqual({ predicted: 1, correct: 0, labelled: 0, found: 0 });
  });

  it('computes nDCG@10 over constraint-satisfying hits', () => {
    expect(constraintNdcg(['a', 'b'], new Set(['b']), 1)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(constraintNdcg(['a'], new Set(), 0)).toBeNull();
  });
});
