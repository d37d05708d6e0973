import { describe, expect, it } from 'vitest';
import { createNumberEncoder } from '../../service/encoders/number.ts';
import { rowOf, type EncodedBatch } from '../../service/encoders/types.ts';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

const price = createNumberEncoder({ id: 'number/price', scale: 'log', min: 1, max: 10_000 });

async function vectorsOf(values: number[], encoder = price): Promise<Float32Array[]> {
  const batch = await encoder.encode(values);
  expect(batch.errors).toEqual([]);
  return values.map((_, i) => rowOf(batch, i));
}

describe('number encoder', () => {
  it('describes itself in its spec', () => {
    expect(price.spec).toMatchObject({ id: 'number/price', modality: 'number', dim: 16, weights: 'none' });
    expect(price.spec.preprocessing).toMatch(/log1p/);
  });

  it('puts nearby values nearer than distant ones', async () => {
    const [v100, v110, v1000] = await vectorsOf([100, 110, 1000]);
    expect(cosine(v100!, v110!)).toBeGreaterThan(cosine(v100!, v1000!));
    expect(cosine(v100!, v110!)).toBeGreaterThan(0.95);
    expect(cosine(v100!, v1000!)).toBeLessThan(0.2);
  });

  it('lets similarity fall monotonically with distance on the scale', async () => {
    const [ref, ...others] = await vectorsOf([100, 100, 150, 300, 1000, 5000]);
    const sims = others.map((v) => cosine(ref!, v));
    expect(sims[0]).toBeCloseTo(1, 6);
    for (let i = 1; i < sims.length; i++) expect(sims[i]!).toBeLessThan(sims[i - 1]!);
  });

  it('returns unit-length rows', async () => {
    for (const v of await vectorsOf([1, 37.5, 10_000])) {
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
  });

  it('measures distance as ratios on a log scale and as differences on a linear one', async () => {
    // log: 100 -> 1000 is a tenfold step, 5000 -> 5900 only 18 %, so the first pair is much less similar
    const [a, b, c, d] = await vectorsOf([100, 1000, 5000, 5900]);
    expect(cosine(c!, d!) - cosine(a!, b!)).toBeGreaterThan(0.5);
    // linear: pairs 900 apart are equally similar wherever they sit (away from the ends of the range, where
    // the bumps are cut off and similarities run a little higher: 0.677 for 100 vs 1000 against 0.634 here)
    const linear = createNumberEncoder({ id: 'number/price-linear', scale: 'linear', min: 1, max: 10_000 });
    const [la, lb, lc, ld] = await vectorsOf([3000, 3900, 6000, 6900], linear);
    expect(cosine(la!, lb!)).toBeCloseTo(cosine(lc!, ld!), 3);
    expect(cosine(la!, lb!)).toBeLessThan(0.9);
  });

  it('clamps values outside [min, max]', async () => {
    const [top, above, bottom, below] = await vectorsOf([10_000, 50_000, 1, 0]);
    expect(Array.from(above!)).toEqual(Array.from(top!));
    expect(Array.from(below!)).toEqual(Array.from(bottom!));
  });

  it('reports bad items with zero rows without failing the batch', async () => {
    const batch: EncodedBatch = await price.encode([100, Number.NaN, -5, Infinity, 200]);
    expect(batch.count).toBe(5);
    expect(batch.vectors).toHaveLength(5 * 16);
    expect(batch.errors.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(batch.errors[1]?.message).toMatch(/negative/);
    for (const i of [1, 2, 3]) expect(rowOf(batch, i).every((x) => x === 0)).toBe(true);
    expect(Math.hypot(...rowOf(batch, 4))).toBeCloseTo(1, 5);
  });

  it('accepts negative values on a linear scale', async () => {
    const temp = createNumberEncoder({ id: 'number/temp', scale: 'linear', min: -20, max: 40, dim: 8 });
    const batch = await temp.encode([-5]);
    expect(batch.errors).toEqual([]);
    expect(batch.dim).toBe(8);
  });

  it('rejects impossible configurations', () => {
    expect(() => createNumberEncoder({ id: 'x', min: 5, max: 5 })).toThrow(/min < max/);
    expect(() => createNumberEncoder({ id: 'x', scale: 'log', min: -1, max: 5 })).toThrow(/log scale/);
    expect(() => createNumberEncoder({ id: 'x', min: 0, max: 1, dim: 1 })).toThrow(/dim/);
  });
});
