import { describe, expect, it } from 'vitest';
import { completeRanking, leftoverOrder } from './collect.ts';

describe('leftover candidates (ranking given documents)', () => {
  const ids = Array.from({ length: 50 }, (_, i) => `d${i}`);

  it('orders them by seed, query and id only: the same on every call and for any input order', () => {
    const a = leftoverOrder(ids, 'q1', 13);
    expect(leftoverOrder([...ids].reverse(), 'q1', 13)).toEqual(a);
    expect([...a].sort()).toEqual([...ids].sort());
    // Not the file's order, and another seed or query gives another order.
    expect(a).not.toEqual(ids);
    expect(leftoverOrder(ids, 'q1', 14)).not.toEqual(a);
    expect(leftoverOrder(ids, 'q2', 13)).not.toEqual(a);
  });

  it('puts ranked ids first and the rest after them, each once', () => {
    const full = completeRanking(['d7', 'd3'], ids, 'q1', 13);
    expect(full.slice(0, 2)).toEqual(['d7', 'd3']);
    expect(full).toHaveLength(50);
    expect(new Set(full).size).toBe(50);
    expect(full.slice(2)).toEqual(leftoverOrder(ids.filter((d) => d !== 'd7' && d !== 'd3'), 'q1', 13));
  });
});
