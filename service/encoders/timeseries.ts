/**
 * `timeseries` encoders: a numeric series (daily sales, price history, sensor readings) as a fixed-size summary:
 * mean, standard deviation, min, max, last value, least-squares slope per step, and the share of the series'
 * variance in `bands` equal-width frequency bands (a plain DFT of the de-meaned series). Series of any length map
 * to the same dim, and the band shares tell a trend (energy in the lowest band) from a weekly cycle or noise.
 * Values are not rescaled: the head's normalisation (stored in its artifact) standardises each feature.
 */
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';

export type SeriesInput = readonly number[] | Float32Array | Float64Array;

export interface TimeseriesEncoderOptions {
  id: string;
  /** Number of frequency bands. */
  bands?: number;
  /** Longer series keep their most recent `maxLength` points (the DFT is O(n^2)). */
  maxLength?: number;
}

/**
 * Names of the output dimensions, in order (for explanations).
 *
 * @example timeseriesFeatureNames(2) // ['mean', 'std', 'min', 'max', 'last', 'slope', 'band0', 'band1']
 */
export function timeseriesFeatureNames(bands = 4): string[] {
  return ['mean', 'std', 'min', 'max', 'last', 'slope', ...Array.from({ length: bands }, (_, b) => `band${b}`)];
}

/**
 * Summarises one series into `out` (length 6 + bands). Exported for feature assembly that already holds a series.
 *
 * @example
 *   const out = new Float32Array(10);
 *   summariseSeries([1, 2, 3, 4], out, 4); // mean 2.5, std 1.118, min 1, max 4, last 4, slope 1, bands...
 */
export function summariseSeries(series: ArrayLike<number>, out: Float32Array, bands = 4): void {
  const n = series.length;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let t = 0; t < n; t++) {
    const x = series[t] ?? 0;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / n;
  let variance = 0;
  let covTime = 0;
  const tMean = (n - 1) / 2;
  for (let t = 0; t < n; t++) {
    const dx = (series[t] ?? 0) - mean;
    variance += dx * dx;
    covTime += (t - tMean) * dx;
  }
  // sum over t of (t - tMean)^2 = n (n^2 - 1) / 12
  const timeVar = (n * (n * n - 1)) / 12;
  out[0] = mean;
  out[1] = Math.sqrt(variance / n);
  out[2] = min;
  out[3] = max;
  out[4] = series[n - 1] ?? 0;
  out[5] = timeVar > 0 ? covTime / timeVar : 0;

  const half = Math.floor(n / 2);
  const energy = new Float64Array(bands);
  let total = 0;
  if (half >= 1) {
    // cos/sin of 2*pi*j/n for j < n; frequency k at time t uses index (k * t) mod n
    const cos = new Float64Array(n);
    const sin = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      cos[j] = Math.cos((2 * Math.PI * j) / n);
      sin[j] = Math.sin((2 * Math.PI * j) / n);
    }
    for (let k = 1; k <= half; k++) {
      let re = 0;
      let im = 0;
      for (let t = 0; t < n; t++) {
        const dx = (series[t] ?? 0) - mean;
        const j = (k * t) % n;
        re += dx * (cos[j] ?? 0);
        im -= dx * (sin[j] ?? 0);
      }
      const power = re * re + im * im;
      const band = Math.min(bands - 1, Math.floor(((k - 1) * bands) / half));
      energy[band] = (energy[band] ?? 0) + power;
      total += power;
    }
  }
  // Shares rather than raw power, so the bands describe the shape of the series whatever its scale.
  for (let b = 0; b < bands; b++) out[6 + b] = total > 0 ? (energy[b] ?? 0) / total : 0;
}

/**
 * Builds a time-series summary encoder with dim 6 + bands.
 *
 * @example
 *   const ts = createTimeseriesEncoder({ id: 'timeseries/sales' });
 *   const { vectors } = await ts.encode([[3, 5, 4, 6, 8, 7, 9]]); // 10 values: stats, slope, 4 band shares
 */
export function createTimeseriesEncoder({ id, bands = 4, maxLength = 1024 }: TimeseriesEncoderOptions): Encoder<SeriesInput> {
  if (!Number.isInteger(bands) || bands < 1) throw new RangeError(`timeseries encoder ${id}: bands must be an integer >= 1`);
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`timeseries encoder ${id}: maxLength must be >= 2`);
  const dim = 6 + bands;
  const spec: EncoderSpec = {
    id,
    modality: 'timeseries',
    dim,
    version: '1',
    weights: 'none',
    preprocessing: `last ${maxLength} points; mean, std, min, max, last, slope; DFT energy shares in ${bands} equal bands; not normalised`,
    options: { bands, maxLength, features: timeseriesFeatureNames(bands) },
  };

  return {
    spec,
    async encode(inputs: readonly SeriesInput[]): Promise<EncodedBatch> {
      const vectors = new Float32Array(inputs.length * dim);
      const errors: EncodedBatch['errors'] = [];
      let truncated = 0;
      inputs.forEach((input, index) => {
        if (!Array.isArray(input) && !(input instanceof Float32Array) && !(input instanceof Float64Array)) {
          errors.push({ index, message: 'expected an array of numbers' });
          return;
        }
        if (input.length === 0) {
          errors.push({ index, message: 'series is empty' });
          return;
        }
        const bad = Array.prototype.findIndex.call(input, (x: unknown) => typeof x !== 'number' || !Number.isFinite(x));
        if (bad >= 0) {
          errors.push({ index, message: `point ${bad} is not a finite number (${String(input[bad])})` });
          return;
        }
        let series: ArrayLike<number> = input;
        if (input.length > maxLength) {
          series = input.slice(input.length - maxLength);
          truncated++;
        }
        summariseSeries(series, vectors.subarray(index * dim, (index + 1) * dim), bands);
      });
      return { dim, count: inputs.length, vectors, errors, truncated };
    },
  };
}
