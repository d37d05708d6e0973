/**
 * Embeds one batch of prepared documents with every configured encoder: text encoders embed the document text
 * and, for long bodies, each passage; image encoders embed the `image` field. The encoders run at the same time
 * (the pool spreads their chunks over its workers). Vectors are written onto the documents as float arrays plus
 * int8-packed copies; failures are returned per document, never thrown for one bad item.
 */
import type { EncoderPool } from '../pool/pool.ts';
import { encoderSpec, vectorField } from '../encoders/registry.ts';
import { rowOf } from '../encoders/types.ts';
import { documentPassages } from '../usecases/passages.ts';
import { embeddingText } from './prepare.ts';
import { encodePassageVectors, packedField, passagesField } from './vector-codec.ts';
import { resolveImage } from './images.ts';

export type EsDoc = Record<string, unknown> & { id: string };

export interface EmbedBatchOptions {
  pool: Pick<EncoderPool, 'encode'>;
  encoders: readonly string[];
  passages?: boolean;
  imageBase?: string;
  signal?: AbortSignal;
}

export interface BatchTimings {
  /** Wall time waiting for the encoders (tokenising and running the models happen in the workers). */
  encodeMs: number;
  /** Turning vectors into the indexed fields (float arrays and int8 packing). */
  packMs: number;
}

/**
 * Adds vector fields to `batch` in place; returns the items an encoder refused and the time split.
 *
 * @example const { encodeErrors } = await embedBatch(docs, { pool, encoders: ['text/minilm', 'text/chargram'] });
 */
export async function embedBatch(batch: EsDoc[], options: EmbedBatchOptions): Promise<{ encodeErrors: Array<{ id: string; encoder: string; message: string }>; timings: BatchTimings }> {
  const { pool, encoders } = options;
  const texts = batch.map((d) => embeddingText(d as never));
  // Long bodies are also embedded passage by passage (max/mean-over-passages features at rerank time).
  const passages = options.passages === false ? batch.map(() => []) : batch.map((d) => documentPassages(d as never));
  const passageTexts = passages.flatMap((ps) => (ps.length > 1 ? ps.map((p) => p.text) : []));
  const t0 = performance.now();
  const results = await Promise.all(
    encoders.map(async (encoder) => {
      const image = encoderSpec(encoder).modality === 'image';
      const inputs = image ? batch.filter((d) => typeof d.image === 'string') : batch;
      if (inputs.length === 0) return undefined;
      const values = image ? inputs.map((d) => resolveImage(String(d.image), options.imageBase)) : [...texts, ...passageTexts];
      return { encoder, image, inputs, result: await pool.encode(encoder, values, options.signal ? { signal: options.signal } : {}) };
    }),
  );
  const t1 = performance.now();
  const encodeErrors: Array<{ id: string; encoder: string; message: string }> = [];
  for (const r of results) {
    if (!r) continue;
    const { encoder, image, inputs, result } = r;
    const failed = new Set(result.errors.map((e) => e.index));
    for (const e of result.errors) if (e.index < inputs.length) encodeErrors.push({ id: inputs[e.index]!.id, encoder, message: e.message });
    inputs.forEach((doc, i) => {
      const v = rowOf(result, i);
      // A zero vector (empty text) has no direction: cosine similarity refuses it, so leave the field out.
      if (!failed.has(i) && v.some((x) => x !== 0)) {
        doc[vectorField(encoder)] = Array.from(v);
        doc[packedField(vectorField(encoder))] = encodePassageVectors([v], result.dim);
      }
    });
    if (image) continue;
    let k = inputs.length;
    passages.forEach((ps, i) => {
      if (ps.length <= 1) return;
      const vs = ps.map(() => rowOf(result, k++));
      batch[i]![passagesField(vectorField(encoder))] = encodePassageVectors(vs, result.dim);
    });
  }
  return { encodeErrors, timings: { encodeMs: t1 - t0, packMs: performance.now() - t1 } };
}
