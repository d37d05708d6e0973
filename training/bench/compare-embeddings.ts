/** Agreement between two encoders' embeddings of the same items (e.g. int8 against fp32 MiniLM). */

export interface CosineSummary {
  count: number;
  mean: number;
  min: number;
  /** Index of the item with the lowest cosine, to look at. */
  argMin: number;
}

/**
 * Row-wise cosine between two row-major `[count, dim]` matrices of the same items. Rows are not assumed to be
 * normalised; a zero row (an item that failed to encode) counts as cosine 0, which pulls the mean down visibly.
 *
 * @example rowCosines(new Float32Array([1, 0, 0, 1]), new Float32Array([1, 0, 1, 1]), 2) // [1, 0.7071...]
 */
export function rowCosines(a: Float32Array, b: Float32Array, dim: number): Float64Array {
  if (a.length !== b.length || a.length % dim !== 0) {
    throw new RangeError(`rowCosines: shapes differ (${a.length} and ${b.length} values, dim ${dim})`);
  }
  const count = a.length / dim;
  const out = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      dot += a[j]! * b[j]!;
      na += a[j]! * a[j]!;
      nb += b[j]! * b[j]!;
    }
    out[r] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }
  return out;
}

/**
 * Mean and minimum row-wise cosine between two embeddings of the same items.
 *
 * @example summariseCosines(rowCosines(fp32.vectors, int8.vectors, 384)).mean // 0.99...
 */
export function summariseCosines(cosines: ArrayLike<number>): CosineSummary {
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let argMin = -1;
  for (let i = 0; i < cosines.length; i++) {
    sum += cosines[i]!;
    if (cosines[i]! < min) {
      min = cosines[i]!;
      argMin = i;
    }
  }
  return cosines.length ? { count: cosines.length, mean: sum / cosines.length, min, argMin } : { count: 0, mean: Number.NaN, min: Number.NaN, argMin: -1 };
}
