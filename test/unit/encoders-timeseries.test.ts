import { describe, expect, it } from 'vitest';
import { createTimeseriesEncoder, timeseriesFeatureNames } from '../../service/encoders/timeseries.ts';
import { rowOf } from '../../service/encoders/types.ts';

const encoder = createTimeseriesEncoder({ id: 'timeseries/sales' });

/** Encodes one series and returns its features by name. */
async function features(series: number[], enc = encoder): Promise<Record<string, number>> {
  const batch = await enc.encode([series]);
  expect(batch.errors).toEqual([]);
  const row = rowOf(batch, 0);
  const names = timeseriesFeatureNames(enc.spec.dim - 6);
  return Object.fromEntries(names.map((name, i) => [name, row[i]!]));
}

const sine = (n: number, cycles: number, amp = 1) =>
  Array.from({ length: n }, (_, t) => amp * Math.sin((2 * Math.PI * cycles * t) / n));

describe('timeseries encoder', () => {
  it('has a fixed dim of 6 stats + bands', () => {
    expect(encoder.spec).toMatchObject({ modality: 'timeseries', dim: 10 });
    expect(createTimeseriesEncoder({ id: 't', bands: 8 }).spec.dim).toBe(14);
    expect(timeseriesFeatureNames(2)).toEqual(['mean', 'std', 'min', 'max', 'last', 'slope', 'band0', 'band1']);
  });

  it('summarises a ramp: slope 1 and energy in the lowest band', async () => {
    // 0, 1, ..., 63: mean 31.5, population std sqrt((64^2 - 1) / 12) = sqrt(341.25) = 18.4730
    const f = await features(Array.from({ length: 64 }, (_, t) => t));
    expect(f.mean).toBeCloseTo(31.5, 4);
    expect(f.std).toBeCloseTo(18.473, 3);
    expect(f.min).toBe(0);
    expect(f.max).toBe(63);
    expect(f.last).toBe(63);
    expect(f.slope).toBeCloseTo(1, 5);
    // a ramp's spectrum falls like 1/k^2: most of it in k = 1..8 (band 0 of 4 over k = 1..32)
    expect(f.band0).toBeGreaterThan(0.9);
    expect(f.band0! + f.band1! + f.band2! + f.band3!).toBeCloseTo(1, 5);
  });

  it('summarises a sine: no slope, std 1/sqrt(2), energy in the band of its frequency', async () => {
    // 20 cycles over 64 points: frequency bin k = 20, bands cover k 1-8, 9-16, 17-24, 25-32 -> band 2
    const f = await features(sine(64, 20));
    expect(f.mean).toBeCloseTo(0, 5);
    expect(f.std).toBeCloseTo(Math.SQRT1_2, 5);
    expect(f.min).toBeCloseTo(-1, 5);
    expect(f.max).toBeCloseTo(1, 5);
    expect(Math.abs(f.slope!)).toBeLessThan(0.01);
    expect(f.band2).toBeCloseTo(1, 5);
    expect(f.band0).toBeCloseTo(0, 5);
    // 3 cycles -> bin 3 -> band 0
    expect((await features(sine(64, 3))).band0).toBeCloseTo(1, 5);
  });

  it('keeps band shares independent of amplitude and offset', async () => {
    const a = await features(sine(48, 7));
    const b = await features(sine(48, 7, 10).map((x) => x + 100));
    for (const band of ['band0', 'band1', 'band2', 'band3']) expect(b[band]).toBeCloseTo(a[band]!, 5);
    expect(b.mean).toBeCloseTo(100, 4);
    expect(b.std).toBeCloseTo(10 * a.std!, 4);
  });

  it('separates a trend from a cycle with the same spread', async () => {
    const trend = await features(Array.from({ length: 60 }, (_, t) => t / 59));
    const cycle = await features(sine(60, 12).map((x) => 0.5 + 0.5 * x));
    expect(trend.band0).toBeGreaterThan(0.9);
    expect(cycle.band0).toBeLessThan(0.1);
    expect(trend.slope).toBeGreaterThan(10 * Math.abs(cycle.slope!));
  });

  it('handles a single point and a constant series', async () => {
    const one = await features([5]);
    expect(one).toMatchObject({ mean: 5, std: 0, min: 5, max: 5, last: 5, slope: 0, band0: 0 });
    const flat = await features([2, 2, 2, 2]);
    expect(flat).toMatchObject({ std: 0, slope: 0, band0: 0, band1: 0 });
  });

  it('keeps the most recent points of long series and counts the truncation', async () => {
    const short = createTimeseriesEncoder({ id: 't', maxLength: 32 });
    const long = Array.from({ length: 64 }, (_, t) => t * t);
    const batch = await short.encode([long, long.slice(32)]);
    expect(batch.truncated).toBe(1);
    expect(Array.from(rowOf(batch, 0))).toEqual(Array.from(rowOf(batch, 1)));
    expect(rowOf(batch, 0)[2]).toBe(32 * 32); // min of the kept part
  });

  it('accepts typed arrays', async () => {
    const batch = await encoder.encode([Float64Array.from([1, 2, 3, 4]), Float32Array.from([1, 2, 3, 4])]);
    expect(batch.errors).toEqual([]);
    // [1, 2, 3, 4]: mean 2.5, std sqrt(1.25) = 1.1180, slope 1
    expect(rowOf(batch, 0)[1]).toBeCloseTo(1.118, 3);
    expect(Array.from(rowOf(batch, 1))).toEqual(Array.from(rowOf(batch, 0)));
  });

  it('reports empty, non-numeric and non-array series as item errors with zero rows', async () => {
    const batch = await encoder.encode([
      [1, 2, 3],
      [],
      [1, Number.NaN, 3],
      'abc' as unknown as number[],
      [4, 5],
    ]);
    expect(batch.errors).toEqual([
      { index: 1, message: 'series is empty' },
      { index: 2, message: 'point 1 is not a finite number (NaN)' },
      { index: 3, message: 'expected an array of numbers' },
    ]);
    for (const i of [1, 2, 3]) expect(rowOf(batch, i).every((x) => x === 0)).toBe(true);
    expect(rowOf(batch, 4)[0]).toBe(4.5);
  });
});
