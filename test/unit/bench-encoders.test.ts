import { describe, expect, it } from 'vitest';
import { rowCosines, summariseCosines } from '../../training/bench/compare-embeddings.ts';
import { encoderTable, formatFigure, miniLMTable } from '../../training/bench/format-encoder-table.ts';
import { categoryPaths, syntheticInputs } from '../../training/bench/load-bench-inputs.ts';
import { interleaved, median, medianRatio, percentile, throughputs } from '../../training/bench/summarise-timings.ts';
import type { EncoderSpec } from '../../service/encoders/types.ts';

describe('summarise-timings', () => {
  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('takes nearest-rank percentiles (observed values only)', () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i); // 1..200, unsorted
    expect(percentile(values, 50)).toBe(100);
    expect(percentile(values, 99)).toBe(198);
    expect(percentile(values, 100)).toBe(200);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(() => percentile(values, 101)).toThrow(RangeError);
  });

  it('pairs ratios within runs', () => {
    // A load spike in run 3 slows both variants; the paired ratio ignores it.
    expect(medianRatio([2, 4, 90], [1, 2, 30])).toBe(2);
    expect(() => medianRatio([1], [1, 2])).toThrow(RangeError);
    expect(throughputs(64, [2, 4])).toEqual([32, 16]);
  });

  it('alternates the order of variants between runs', () => {
    expect(interleaved(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(interleaved(['a', 'b', 'c'], 1)).toEqual(['c', 'b', 'a']);
  });
});

describe('compare-embeddings', () => {
  it('computes row-wise cosines without assuming unit rows', () => {
    const a = new Float32Array([1, 0, 0, 2, 3, 4]);
    const b = new Float32Array([2, 0, 1, 0, 0, 0]);
    const c = rowCosines(a, b, 2);
    expect(c[0]).toBeCloseTo(1, 6);
    expect(c[1]).toBeCloseTo(0, 6);
    expect(c[2]).toBe(0); // zero row: a failed item counts as 0, not NaN
  });

  it('summarises mean, min and where the min is', () => {
    expect(summariseCosines([0.99, 0.95, 1])).toEqual({ count: 3, mean: expect.closeTo(0.98, 9), min: 0.95, argMin: 1 });
    expect(summariseCosines([]).mean).toBeNaN();
  });

  it('refuses matrices of different shapes', () => {
    expect(() => rowCosines(new Float32Array(4), new Float32Array(6), 2)).toThrow(/shapes differ/);
  });
});

describe('load-bench-inputs', () => {
  const spec = (modality: EncoderSpec['modality'], options?: Record<string, unknown>) =>
    ({ id: `${modality}/x`, modality, dim: 1, version: '1', weights: 'none', preprocessing: '', options }) as EncoderSpec;

  it('draws numbers from the encoder range and scale, reproducibly', () => {
    const log = syntheticInputs(spec('number', { scale: 'log', min: 1, max: 100_000 }), 2000) as number[];
    expect(Math.min(...log)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...log)).toBeLessThanOrEqual(100_000);
    // Log-uniform: about a fifth of the values in each decade.
    expect(log.filter((x) => x < 10).length / log.length).toBeCloseTo(0.2, 1);
    expect(syntheticInputs(spec('number', { min: 0, max: 5 }), 5)).toEqual(syntheticInputs(spec('number', { min: 0, max: 5 }), 5));
  });

  it('makes valid dates, points and series', () => {
    const dates = syntheticInputs(spec('recency'), 50) as string[];
    expect(dates.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d < '2026-01-02')).toBe(true);
    const points = syntheticInputs(spec('geo'), 50) as Array<{ lat: number; lon: number }>;
    expect(points.every((p) => Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180)).toBe(true);
    const series = syntheticInputs(spec('timeseries'), 2) as number[][];
    expect(series[0]).toHaveLength(256);
    expect(syntheticInputs(spec('text'), 2)).toBeUndefined();
  });

  it('reads category paths from styles.csv', () => {
    const csv = 'id,gender,masterCategory,subCategory,articleType,name\n1,Men,Apparel,Topwear,Shirts,"A, B"\n2,Women,,Bags,Handbags,x\n';
    expect(categoryPaths(csv)).toEqual(['Apparel/Topwear/Shirts']);
    expect(() => categoryPaths('id,name\n1,x')).toThrow(/masterCategory/);
  });
});

describe('format-encoder-table', () => {
  it('formats figures to about three significant digits', () => {
    expect(formatFigure(12345.6)).toBe('12,346');
    expect(formatFigure(123.4)).toBe('123');
    expect(formatFigure(12.34)).toBe('12.3');
    expect(formatFigure(1.234)).toBe('1.23');
    expect(formatFigure(0.01234)).toBe('0.012');
    expect(formatFigure(Number.NaN)).toBe('n/a');
  });

  it('prints one row per encoder and a line per skipped one', () => {
    const table = encoderTable([{ id: 'geo/location', dim: 3, batch1PerSec: 900_000, batch32PerSec: 4e6, p50Ms: 0.001, p99Ms: 0.004 }], [
      { id: 'image/mobilenet', reason: 'not prepared: Model files missing' },
    ]);
    expect(table.split('\n')[2]).toBe('| `geo/location` | 3 | 900,000 | 4,000,000 | 0.0010 | 0.0040 |');
    expect(table).toContain('Skipped `image/mobilenet`: not prepared: Model files missing');
  });

  it('flags MiniLM figures that miss their targets and leaves out unmeasured ones', () => {
    const table = miniLMTable({
      cosine: { count: 500, mean: 0.985, min: 0.9, target: 0.99 },
      pool: { encoder: 'text/minilm', overhead: 0.12, target: 0.1, inProcessPerSec: 10, pool1PerSec: 8.9, pool2PerSec: 18, pool2Speedup: 1.8, queryExtraMs: 0.2, roundTrip: { encoder: 'text/chargram', extraMs: 0.09 } },
    });
    expect(table).toContain('| 0.9850 (below target) | >= 0.99 |');
    expect(table).toContain('12.0 % (above target)');
    expect(table).toContain('| 1.80x |');
    expect(table).toContain('| Pool round trip, one `text/chargram` item, extra latency (p50) | 0.090 ms | |');
    expect(table).not.toContain('speed-up');
  });
});
