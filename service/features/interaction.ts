/**
 * Query-document interaction features: a fixed random projection of q⊙d, the element-wise product of the
 * concatenated (per-encoder unit-length) text embeddings, down to k dimensions.
 *
 *   ix:i = (1 / sqrt(k)) · Σ_e Σ_t s(e, t, i) · q_e[t] · d_e[t]
 *
 * where e is the encoder's position in the assembler's `textEncoders` (the concatenation order), t a dimension
 * of that encoder, and s(e, t, i) ∈ {-1, +1} a sign from a fixed integer hash of (e, t, i) with a fixed seed.
 * The signs depend on nothing else (no RNG state, no process, no vector length beyond t), so training and
 * serving compute identical features, and a missing vector only zeroes its own block. Summing q⊙d without the
 * signs would just give the cosine, which is already a feature: the signs keep *which* dimensions agree.
 */

/** Changing it changes every `ix:*` feature: trained heads would silently see other inputs. Never change it. */
const SEED = 0x5eed_1a7e;

/** A 32-bit avalanche hash (the finaliser of MurmurHash3), so neighbouring (e, t, i) get unrelated bits. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The sign s(block, t, i) of the projection: +1 or -1.
 *
 * @example projectionSign(0, 5, 3) // always the same value, in every process
 */
export function projectionSign(block: number, t: number, i: number): 1 | -1 {
  const h = mix(mix(mix(SEED ^ block) ^ t) ^ Math.imul(i + 1, 0x9e3779b9));
  return h & 1 ? 1 : -1;
}

// Matrices are pure functions of (block, dims, k); kept so a window of candidates does not rebuild them.
// Bounded: there are as many keys as (encoder position, encoder width, k) combinations actually used.
const matrices = new Map<string, Float32Array>();
const MAX_MATRICES = 64;

/**
 * The `k x dims` row-major projection block for the encoder at position `block`, scaled by 1/sqrt(k).
 *
 * @example projectionBlock(0, 384, 16).length // 6144
 */
export function projectionBlock(block: number, dims: number, k: number): Float32Array {
  const key = `${block}:${dims}:${k}`;
  let m = matrices.get(key);
  if (!m) {
    m = new Float32Array(k * dims);
    const scale = 1 / Math.sqrt(k);
    for (let i = 0; i < k; i++) for (let t = 0; t < dims; t++) m[i * dims + t] = projectionSign(block, t, i) * scale;
    if (matrices.size >= MAX_MATRICES) matrices.delete(matrices.keys().next().value!);
    matrices.set(key, m);
  }
  return m;
}

/**
 * Adds the projected interaction of one encoder block into `out` (length k): out += P_block · (q ⊙ d).
 * Vectors of different lengths use their common prefix.
 *
 * @example const out = new Float32Array(16); addInteraction(out, 0, q, d);
 */
export function addInteraction(out: Float32Array, block: number, q: Float32Array, d: Float32Array): void {
  const k = out.length;
  const dims = Math.min(q.length, d.length);
  if (k === 0 || dims === 0) return;
  const product = new Float32Array(dims);
  for (let t = 0; t < dims; t++) product[t] = q[t]! * d[t]!;
  const m = projectionBlock(block, dims, k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    const row = i * dims;
    for (let t = 0; t < dims; t++) s += m[row + t]! * product[t]!;
    out[i] = out[i]! + s;
  }
}

/**
 * The `ix:*` features of one (query, document) pair over the encoders in concatenation order; an encoder with
 * a missing query or document vector contributes zeros.
 *
 * @example interactionFeatures([qMinilm, qChargram], [dMinilm, dChargram], 16) // Float32Array(16)
 */
export function interactionFeatures(
  queryVectors: ReadonlyArray<Float32Array | undefined>,
  docVectors: ReadonlyArray<Float32Array | undefined>,
  k: number,
): Float32Array {
  const out = new Float32Array(k);
  queryVectors.forEach((q, block) => {
    const d = docVectors[block];
    if (q && d) addInteraction(out, block, q, d);
  });
  return out;
}
