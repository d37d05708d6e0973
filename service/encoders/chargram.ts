/**
 * `text/chargram`: signed feature hashing of character 3- to 5-grams (words padded with spaces) plus word
 * unigrams, into a fixed number of dimensions, L2-normalised. It needs no weights and is robust to typos and
 * product codes ("RF28R7351SG" shares most of its n-grams with "RF28R7351"), which dense text models miss.
 */
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';

export interface ChargramOptions {
  dim?: number;
  minN?: number;
  maxN?: number;
  /** Weight of a whole-word feature relative to one n-gram. */
  wordWeight?: number;
  /** Only the first `maxChars` characters are hashed (long bodies add little beyond that). */
  maxChars?: number;
}

export const CHARGRAM_SPEC: EncoderSpec = {
  id: 'text/chargram',
  modality: 'text',
  dim: 384,
  version: '1',
  weights: 'none',
  preprocessing: 'NFKC, lower-case, non-alphanumerics to spaces; char 3-5-grams of padded words + word unigrams; FNV-1a signed hashing; L2',
};

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function normalise(text: string, maxChars: number): string {
  const t = text.length > maxChars ? text.slice(0, maxChars) : text;
  return ` ${t.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

/**
 * Hashes one text into `out` (length `dim`), adding to what is there; returns the feature count.
 *
 * @example const v = new Float32Array(384); hashChargrams('fridge', v, {}); // v now holds signed counts
 */
export function hashChargrams(text: string, out: Float32Array, options: ChargramOptions = {}): number {
  const { minN = 3, maxN = 5, wordWeight = 2, maxChars = 20_000 } = options;
  const dim = out.length;
  const s = normalise(text, maxChars);
  let features = 0;
  const add = (h: number, w: number) => {
    // The top bit chooses the sign so that collisions cancel out on average instead of piling up.
    const idx = (h >>> 0) % dim;
    out[idx] = (out[idx] ?? 0) + (h & 0x80000000 ? -w : w);
    features++;
  };
  for (let i = 0; i + minN <= s.length; i++) {
    let h = FNV_OFFSET;
    for (let j = 0; j < maxN && i + j < s.length; j++) {
      h = Math.imul(h ^ s.charCodeAt(i + j), FNV_PRIME);
      if (j + 1 >= minN) add(Math.imul(h ^ (j + 1), FNV_PRIME), 1);
    }
  }
  let start = 1;
  for (let i = 1; i < s.length; i++) {
    if (s.charCodeAt(i) !== 32) continue;
    if (i > start) {
      let h = FNV_OFFSET ^ 0x5bd1e995; // a different seed keeps words apart from n-grams of the same letters
      for (let j = start; j < i; j++) h = Math.imul(h ^ s.charCodeAt(j), FNV_PRIME);
      add(h, wordWeight);
    }
    start = i + 1;
  }
  return features;
}

/** Scales a vector to unit length in place (a zero vector stays zero). */
export function l2normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}

/**
 * Encodes a batch of texts synchronously.
 *
 * @example encodeChargrams(['RF28R7351SG fridge']).vectors.length // 384
 */
export function encodeChargrams(texts: readonly string[], options: ChargramOptions = {}): EncodedBatch {
  const dim = options.dim ?? CHARGRAM_SPEC.dim;
  const vectors = new Float32Array(texts.length * dim);
  const errors: EncodedBatch['errors'] = [];
  texts.forEach((text, i) => {
    if (typeof text !== 'string') {
      errors.push({ index: i, message: 'expected a string' });
      return;
    }
    const row = vectors.subarray(i * dim, (i + 1) * dim);
    hashChargrams(text, row, options);
    l2normalise(row);
  });
  return { dim, count: texts.length, vectors, errors };
}

/** The chargram encoder as an `Encoder`. */
export function createChargramEncoder(options: ChargramOptions = {}): Encoder<string> {
  const spec = { ...CHARGRAM_SPEC, dim: options.dim ?? CHARGRAM_SPEC.dim, options: { ...options } };
  return { spec, encode: async (texts) => encodeChargrams(texts, options) };
}
