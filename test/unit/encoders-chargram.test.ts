import { describe, expect, it } from 'vitest';
import { encodeChargrams } from '../../service/encoders/chargram.ts';
import { rowOf } from '../../service/encoders/types.ts';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('text/chargram', () => {
  const batch = encodeChargrams(['Samsung RF28R7351SG fridge', 'samsung rf28r7351 fridge', 'Bosch dishwasher SMS2ITW', '', 'café ☕ 冷蔵庫']);
  const v = (i: number) => rowOf(batch, i);

  it('returns unit vectors of the configured dim, a zero row for empty text', () => {
    expect(batch.dim).toBe(384);
    expect(batch.vectors.length).toBe(5 * 384);
    expect(cos(v(0), v(0))).toBeCloseTo(1, 5);
    expect(v(3).every((x) => x === 0)).toBe(true);
    expect(cos(v(4), v(4))).toBeCloseTo(1, 5);
  });

  it('puts a product code with a missing suffix and other case close, an unrelated product far', () => {
    expect(cos(v(0), v(1))).toBeGreaterThan(0.6);
    expect(cos(v(0), v(2))).toBeLessThan(0.25);
  });

  it('is deterministic', () => {
    expect(Array.from(encodeChargrams(['RF28R7351SG']).vectors)).toEqual(Array.from(encodeChargrams(['RF28R7351SG']).vectors));
  });

  it('reports a non-string item without failing the batch', () => {
    const b = encodeChargrams(['ok', 42 as unknown as string]);
    expect(b.errors).toEqual([{ index: 1, message: 'expected a string' }]);
    expect(cos(rowOf(b, 0), rowOf(b, 0))).toBeCloseTo(1, 5);
  });
});
