/**
 * MPNet's (and T5's) bucketed relative positions: distances below `maxDistance` are sorted into `numBuckets`
 * buckets, half for each direction, exact for small distances and logarithmic beyond; every farther distance
 * shares the last bucket. The arithmetic follows Hugging Face's `MPNetEncoder.relative_position_bucket`, which
 * computes the logarithmic part in float32 (so it does here, with `Math.fround`).
 */

/**
 * The bucket of `relative = key position - query position`.
 *
 * @example relativePositionBucket(-3) // 3 (key 3 before the query); relativePositionBucket(3) // 19
 */
export function relativePositionBucket(relative: number, numBuckets = 32, maxDistance = 128): number {
  const half = Math.floor(numBuckets / 2);
  let n = -relative;
  const offset = n < 0 ? half : 0;
  n = Math.abs(n);
  const maxExact = Math.floor(half / 2);
  if (n < maxExact) return offset + n;
  const f = Math.fround;
  const scaled = f(f(f(Math.log(f(n / maxExact))) / f(Math.log(maxDistance / maxExact))) * (half - maxExact));
  return offset + Math.min(maxExact + Math.trunc(scaled), half - 1);
}

/**
 * Buckets of every relative position from `-span` to `span`, as a lookup indexed by `relative + span`.
 *
 * @example relativeBucketTable(512)[512] // 0 (a token and itself)
 */
export function relativeBucketTable(span: number, numBuckets = 32, maxDistance = 128): BigInt64Array {
  return BigInt64Array.from({ length: 2 * span + 1 }, (_, i) => BigInt(relativePositionBucket(i - span, numBuckets, maxDistance)));
}
