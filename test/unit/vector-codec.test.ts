import { describe, expect, it } from 'vitest';
import { decodePassageVectors, encodePassageVectors } from '../../service/indexing/vector-codec.ts';
import { encodeChargrams } from '../../service/encoders/chargram.ts';
import { rowOf } from '../../service/encoders/types.ts';

describe('passage vector codec', () => {
  it('round-trips unit vectors with cosine error under 0.01 and keeps the count', () => {
    const batch = encodeChargrams(['first passage about fridges', 'second passage on dishwashers', 'third: TVs']);
    const vs = [0, 1, 2].map((i) => rowOf(batch, i));
    const b64 = encodePassageVectors(vs, 384);
    expect(Buffer.from(b64, 'base64').length).toBe(3 * 388);
    const back = decodePassageVectors(b64, 384);
    expect(back).toHaveLength(3);
    back.forEach((v, i) => {
      const cos = v.reduce((s, x, k) => s + x * vs[i]![k]!, 0);
      expect(cos).toBeGreaterThan(0.99);
    });
  });

  it('refuses bytes that do not match the dim', () => {
    expect(() => decodePassageVectors(Buffer.alloc(100).toString('base64'), 384)).toThrow(/not a multiple of 388/);
  });
});
