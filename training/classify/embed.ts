/**
 * Embeddings of a list of inputs by several encoders, concatenated per row (`<encoder>#<i>` features), through
 * the encoder pool. Each encoder's matrix is cached on disk under `<cacheDir>/embeddings/`, keyed by the encoder,
 * its graph (`encoderFingerprint`: a re-converted model or another MiniLM variant is another key) and a hash of the
 * inputs, because benchmarks embed the same 13k texts many times.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EncoderPool } from '../../service/pool/pool.ts';
import { encoderFingerprint, encoderSpec } from '../../service/encoders/registry.ts';

export interface EmbedOptions {
  /** Where cached matrices live (no caching when absent). */
  cacheDir?: string;
  /** Inputs per pool call (the pool splits further into worker tasks). */
  chunk?: number;
  onProgress?: (encoder: string, done: number, total: number) => void;
}

export interface Embedded {
  rows: Float32Array;
  n: number;
  names: string[];
  /** Items an encoder could not encode (their values are zero): index and message. */
  errors: Array<{ encoder: string; index: number; message: string }>;
}

/** `fingerprint` (the encoder's graph, see `encoderFingerprint`) keeps a re-converted model from reusing old vectors. */
function keyOf(encoder: string, fingerprint: string, inputs: readonly unknown[]): string {
  const h = createHash('sha256').update(fingerprint);
  for (const x of inputs) h.update('\u0000').update(typeof x === 'string' ? x : JSON.stringify(x));
  return `${encoder.replace(/\W+/g, '_')}-${inputs.length}-${h.digest('hex').slice(0, 16)}`;
}

/**
 * One encoder's matrix (`n x dim`), from the cache when present.
 *
 * @example const { vectors, dim } = await embedAll(pool, 'text/minilm', texts, { cacheDir });
 */
export async function embedAll(
  pool: EncoderPool,
  encoder: string,
  inputs: readonly unknown[],
  { cacheDir, chunk = 256, onProgress }: EmbedOptions = {},
): Promise<{ vectors: Float32Array; dim: number; errors: Array<{ index: number; message: string }> }> {
  const dim = encoderSpec(encoder).dim;
  const fingerprint = pool.context ? await encoderFingerprint(encoder, pool.context) : encoder;
  const file = cacheDir ? path.join(cacheDir, 'embeddings', `${keyOf(encoder, fingerprint, inputs)}.f32`) : undefined;
  if (file) {
    const cached = await readFile(file).catch(() => null);
    if (cached && cached.byteLength === inputs.length * dim * 4) {
      onProgress?.(encoder, inputs.length, inputs.length);
      return { vectors: new Float32Array(cached.buffer, cached.byteOffset, inputs.length * dim), dim, errors: [] };
    }
  }
  const vectors = new Float32Array(inputs.length * dim);
  const errors: Array<{ index: number; message: string }> = [];
  // A few chunks in flight keep both pool threads busy without queueing the whole data set at once.
  const starts = Array.from({ length: Math.ceil(inputs.length / chunk) }, (_, i) => i * chunk);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < starts.length) {
      const start = starts[next++]!;
      const part = inputs.slice(start, start + chunk);
      const batch = await pool.encode(encoder, [...part]);
      vectors.set(batch.vectors.subarray(0, part.length * dim), start * dim);
      for (const e of batch.errors) errors.push({ index: start + e.index, message: e.message });
      done += part.length;
      onProgress?.(encoder, done, inputs.length);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  if (file && errors.length === 0) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength));
    await rename(`${file}.tmp`, file);
  }
  return { vectors, dim, errors };
}

/**
 * Concatenated embeddings: `inputsFor(encoder)` gives each encoder its inputs (texts, or image paths).
 *
 * @example const x = await embedConcat(pool, ['text/minilm', 'text/chargram'], () => texts, { cacheDir });
 */
export async function embedConcat(
  pool: EncoderPool,
  encoders: readonly string[],
  inputsFor: (encoder: string) => readonly unknown[],
  options: EmbedOptions = {},
): Promise<Embedded> {
  const parts = [];
  for (const e of encoders) parts.push({ encoder: e, ...(await embedAll(pool, e, inputsFor(e), options)) });
  const n = inputsFor(encoders[0]!).length;
  const total = parts.reduce((s, p) => s + p.dim, 0);
  const rows = new Float32Array(n * total);
  let offset = 0;
  for (const p of parts) {
    for (let r = 0; r < n; r++) rows.set(p.vectors.subarray(r * p.dim, (r + 1) * p.dim), r * total + offset);
    offset += p.dim;
  }
  return {
    rows,
    n,
    names: parts.flatMap((p) => Array.from({ length: p.dim }, (_, i) => `${p.encoder}#${i}`)),
    errors: parts.flatMap((p) => p.errors.map((e) => ({ encoder: p.encoder, ...e }))),
  };
}
