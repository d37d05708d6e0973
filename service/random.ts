/**
 * A seeded PRNG (mulberry32) returning floats in [0, 1). Small, fast and good enough for resampling, shuffles and
 * calibration inputs; not for anything security-related. Training code imports it through `training/eval/stats.ts`.
 *
 * @example
 *   const rand = createRng(42);
 *   rand(); // same sequence for the same seed, on every platform
 */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
