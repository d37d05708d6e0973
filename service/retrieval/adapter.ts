/**
 * Embedding adapters: a small map trained by `strata adapt` on top of a frozen encoder, applied to query vectors
 * (side `query`) before kNN, features and heads see them, so a general encoder moves toward a corpus' jargon
 * without re-embedding the corpus. The map is a low-rank residual, v' = normalise(v + U (V v)), which starts as
 * the identity (U = 0) and stays close to it. Stored as a versioned artifact like a head
 * (`<headsDir>/adapters/<name>.json`) and named by the index's tuning (see tuning.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { strataError } from '../errors.ts';

export const AdapterArtifactSchema = z
  .object({
    format: z.literal('strata-adapter/1'),
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/),
    version: z.string().min(1),
    /** The encoder whose vectors it adapts (its dimension is `dim`). */
    encoder: z.string().min(1),
    /** `query`: applied to query vectors only (documents keep their stored vectors). */
    side: z.literal('query'),
    dim: z.number().int().positive(),
    rank: z.number().int().positive(),
    /** V, `rank x dim` row-major: projects down. */
    down: z.array(z.number()),
    /** U, `dim x rank` row-major: projects back up (added to the input). */
    up: z.array(z.number()),
    metrics: z.record(z.string(), z.unknown()).default({}),
    trainingDataHash: z.string().default(''),
    createdAt: z.string(),
  })
  .refine((a) => a.down.length === a.rank * a.dim && a.up.length === a.rank * a.dim, { message: 'down and up must hold rank x dim values each' });

export type AdapterArtifact = z.infer<typeof AdapterArtifactSchema>;

export interface QueryAdapter {
  readonly artifact: AdapterArtifact;
  /** The adapted, unit-length vector (a new array). */
  apply(vector: Float32Array): Float32Array;
}

/**
 * v' = normalise(v + U (V v)) with plain Float32Array weights.
 *
 * @example const adapted = adaptVector(v, down, up, 384, 16);
 */
export function adaptVector(v: Float32Array, down: Float32Array, up: Float32Array, dim: number, rank: number): Float32Array {
  const h = new Float32Array(rank);
  for (let r = 0; r < rank; r++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += down[r * dim + i]! * v[i]!;
    h[r] = s;
  }
  const out = new Float32Array(dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    let s = v[i]!;
    for (let r = 0; r < rank; r++) s += up[i * rank + r]! * h[r]!;
    out[i] = s;
    norm += s * s;
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dim; i++) out[i]! *= inv;
  return out;
}

/**
 * An adapter ready to apply.
 *
 * @example const adapter = createAdapter(artifact); adapter.apply(queryVector)
 */
export function createAdapter(artifact: AdapterArtifact): QueryAdapter {
  const down = Float32Array.from(artifact.down);
  const up = Float32Array.from(artifact.up);
  return {
    artifact,
    apply(vector) {
      if (vector.length !== artifact.dim) throw strataError('dimension_mismatch', { reason: `adapter "${artifact.name}" is for ${artifact.dim} dims, the vector has ${vector.length}` });
      return adaptVector(vector, down, up, artifact.dim, artifact.rank);
    },
  };
}

/** Where an adapter's artifact lives. */
export const adapterFile = (adaptersDir: string, name: string) => path.join(adaptersDir, `${name}.json`);

/**
 * Reads and validates an adapter artifact; errors name the file.
 *
 * @example const adapter = await loadAdapter(path.join(headsDir, 'adapters'), 'scifact');
 */
export async function loadAdapter(adaptersDir: string, name: string): Promise<QueryAdapter> {
  const file = adapterFile(adaptersDir, name);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw strataError('model_error', { file, reason: (err as Error).message });
  }
  const parsed = AdapterArtifactSchema.safeParse(raw);
  if (!parsed.success) throw strataError('model_error', { file, reason: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
  return createAdapter(parsed.data);
}
