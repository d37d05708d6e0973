/**
 * `category` encoders: a category path such as `appliances/kitchen/fridges` as the weighted sum of one signed
 * hashed one-hot per prefix (`appliances`, `appliances/kitchen`, `appliances/kitchen/fridges`), L2-normalised.
 * Shared prefixes give shared components, so siblings and ancestors are near and other trees are far, without a
 * vocabulary to maintain: a category never seen before still gets its place under its known parents.
 * Weights decay with depth because the top levels are the ones two related paths agree on.
 */
import { l2normalise } from './chargram.ts';
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';

export interface CategoryEncoderOptions {
  id: string;
  dim?: number;
  /** Weight of level l (0 = root) is decay^l. */
  decay?: number;
  /** Path separator. */
  separator?: string;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(text: string, seed = FNV_OFFSET): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  // A final avalanche: plain FNV-1a leaves the low bits (the bucket) weakly mixed for strings sharing a prefix.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * Normalises a category path: trims, lower-cases and drops empty levels, so `Appliances / Kitchen/` and
 * `appliances/kitchen` encode alike. Returns the levels.
 *
 * @example categoryLevels(' Appliances/Kitchen//Fridges ') // ['appliances', 'kitchen', 'fridges']
 */
export function categoryLevels(path: string, separator = '/'): string[] {
  return path
    .split(separator)
    .map((s) => s.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' '))
    .filter((s) => s.length > 0);
}

/**
 * Builds a hierarchical hashed category encoder.
 *
 * @example
 *   const cat = createCategoryEncoder({ id: 'category/path' });
 *   const { vectors } = await cat.encode(['appliances/kitchen/fridges', 'appliances/kitchen', 'electronics/tv']);
 */
export function createCategoryEncoder({ id, dim = 64, decay = 0.7, separator = '/' }: CategoryEncoderOptions): Encoder<string> {
  if (!Number.isInteger(dim) || dim < 2) throw new RangeError(`category encoder ${id}: dim must be an integer >= 2`);
  if (!(decay > 0 && decay <= 1)) throw new RangeError(`category encoder ${id}: decay must be in (0, 1]`);
  const spec: EncoderSpec = {
    id,
    modality: 'category',
    dim,
    version: '1',
    weights: 'none',
    preprocessing: `split on "${separator}", NFKC, trim, lower-case; per prefix a signed FNV-1a hashed one-hot weighted ${decay}^depth; L2`,
    options: { decay, separator },
  };

  function encodeOne(path: string, row: Float32Array): string | undefined {
    if (typeof path !== 'string') return `category must be a string, got ${typeof path}`;
    const levels = categoryLevels(path, separator);
    if (levels.length === 0) return 'category path is empty';
    let prefix = '';
    levels.forEach((level, depth) => {
      prefix = depth === 0 ? level : `${prefix}/${level}`;
      const h = fnv1a(prefix);
      // The top bit picks the sign so that unrelated prefixes colliding in a bucket cancel on average.
      const sign = h & 0x80000000 ? -1 : 1;
      const idx = h % dim;
      row[idx] = (row[idx] ?? 0) + sign * decay ** depth;
    });
    l2normalise(row);
    return undefined;
  }

  return {
    spec,
    async encode(inputs: readonly string[]): Promise<EncodedBatch> {
      const vectors = new Float32Array(inputs.length * dim);
      const errors: EncodedBatch['errors'] = [];
      inputs.forEach((path, index) => {
        const message = encodeOne(path, vectors.subarray(index * dim, (index + 1) * dim));
        if (message !== undefined) errors.push({ index, message });
      });
      return { dim, count: inputs.length, vectors, errors };
    },
  };
}
