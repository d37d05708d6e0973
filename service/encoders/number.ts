/**
 * `number` encoders: a scalar (price, capacity, screen size...) as a smooth bump over `dim` anchors spread along
 * its scaled range, L2-normalised. A raw scalar in a vector would make every value point the same way (cosine 1);
 * with Gaussian bumps two values' cosine falls off with their distance on the chosen scale, so 100 and 110 are
 * near and 100 and 1000 far, and kNN or a dot-product head can use it like any other embedding.
 */
import { l2normalise } from './chargram.ts';
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';

export interface NumberEncoderOptions {
  id: string;
  dim?: number;
  /** `log` for quantities spanning orders of magnitude (prices), `linear` for bounded ones (ratings). */
  scale?: 'log' | 'linear';
  min: number;
  max: number;
  /** Bump width in anchor spacings; wider bumps give smoother, less selective similarities. */
  width?: number;
}

/**
 * Builds a number encoder. Values outside [min, max] are clamped (a 20,000 USD fridge is "most expensive", not an
 * error); NaN, infinities and negatives on a log scale are item errors with zero rows.
 *
 * @example
 *   const price = createNumberEncoder({ id: 'number/price', scale: 'log', min: 1, max: 10_000 });
 *   const { vectors } = await price.encode([100, 110, 1000]); // rows 0 and 1 near, row 2 far
 */
export function createNumberEncoder({
  id,
  dim = 16,
  scale = 'linear',
  min,
  max,
  width = 1,
}: NumberEncoderOptions): Encoder<number> {
  if (!Number.isInteger(dim) || dim < 2) throw new RangeError(`number encoder ${id}: dim must be an integer >= 2`);
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > min)) {
    throw new RangeError(`number encoder ${id}: need finite min < max, got [${min}, ${max}]`);
  }
  if (scale === 'log' && min < 0) throw new RangeError(`number encoder ${id}: a log scale needs min >= 0`);
  if (!(width > 0)) throw new RangeError(`number encoder ${id}: width must be > 0`);

  // log1p rather than log so that 0 (a free item, zero reviews) is a valid value.
  const f = scale === 'log' ? Math.log1p : (x: number) => x;
  const lo = f(min);
  const span = f(max) - lo;
  const sigma = width / (dim - 1);
  const spec: EncoderSpec = {
    id,
    modality: 'number',
    dim,
    version: '1',
    weights: 'none',
    preprocessing: `${scale === 'log' ? 'log1p, ' : ''}scaled to [0, 1] over [${min}, ${max}] (clamped); Gaussian bumps at ${dim} anchors (sigma ${width} spacing); L2`,
    options: { scale, min, max, width },
  };

  function encodeOne(value: number, row: Float32Array): string | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return `value ${String(value)} is not a finite number`;
    if (scale === 'log' && value < 0) return `value ${value} is negative; a log-scaled number must be >= 0`;
    const t = Math.min(1, Math.max(0, (f(value) - lo) / span));
    for (let j = 0; j < dim; j++) {
      const d = (t - j / (dim - 1)) / sigma;
      row[j] = Math.exp(-0.5 * d * d);
    }
    l2normalise(row);
    return undefined;
  }

  return {
    spec,
    async encode(inputs: readonly number[]): Promise<EncodedBatch> {
      const vectors = new Float32Array(inputs.length * dim);
      const errors: EncodedBatch['errors'] = [];
      inputs.forEach((value, index) => {
        const message = encodeOne(value, vectors.subarray(index * dim, (index + 1) * dim));
        if (message !== undefined) errors.push({ index, message });
      });
      return { dim, count: inputs.length, vectors, errors };
    },
  };
}
