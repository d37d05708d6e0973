/**
 * Embedding helpers shared by the use cases: query vectors through an LRU cache (the same query is embedded
 * once), and document vectors for candidates that arrive without stored ones.
 */
import { LRUCache } from 'lru-cache';
import type { EncoderPool, Priority } from '../pool/pool.ts';
import { rowOf } from '../encoders/types.ts';
import { strataError } from '../errors.ts';

export interface QueryEmbedder {
  /** One vector per encoder for the text (cached). */
  embed(text: string, encoders: readonly string[], signal?: AbortSignal): Promise<Record<string, Float32Array>>;
  stats(): { size: number; hits: number; misses: number };
}

/**
 * A query embedder with an LRU cache of `max` entries per (encoder, text).
 *
 * @example const qe = createQueryEmbedder(pool); const v = await qe.embed('fridge', ['text/minilm']);
 */
export function createQueryEmbedder(pool: EncoderPool, { max = 10_000 } = {}): QueryEmbedder {
  const cache = new LRUCache<string, Float32Array>({ max });
  let hits = 0;
  let misses = 0;
  return {
    async embed(text, encoders, signal) {
      const out: Record<string, Float32Array> = {};
      await Promise.all(
        encoders.map(async (e) => {
          const key = `${e}\u0000${text}`;
          const cached = cache.get(key);
          if (cached) {
            hits++;
            out[e] = cached;
            return;
          }
          misses++;
          const batch = await pool.encode(e, [text], signal ? { signal } : {});
          if (batch.errors.length) throw strataError('validation', { summary: `query could not be embedded by ${e}: ${batch.errors[0]!.message}` });
          const v = batch.vectors.slice(0, batch.dim);
          cache.set(key, v);
          out[e] = v;
        }),
      );
      return out;
    },
    stats: () => ({ size: cache.size, hits, misses }),
  };
}

/**
 * Embeds many texts with one encoder and returns a vector per text (zero vectors for items that failed). `pool`
 * may be the document cache (`createDocumentEmbedder`), which has the same `encode`. `priority` defaults to the
 * pool's rule (one text: interactive, several: bulk); a request somebody is waiting on (documents sent inline to
 * a rerank, texts to classify) passes `interactive`, so its chunks use every worker instead of leaving one free
 * for queries, and still take turns with other requests' chunks.
 *
 * @example const vs = await embedTexts(pool, 'text/chargram', ['a', 'b'], { priority: 'interactive' });
 */
export async function embedTexts(
  pool: Pick<EncoderPool, 'encode'>,
  encoder: string,
  texts: readonly string[],
  { signal, priority }: { signal?: AbortSignal | undefined; priority?: Priority } = {},
): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  const batch = await pool.encode(encoder, [...texts], { ...(signal ? { signal } : {}), ...(priority ? { priority } : {}) });
  return texts.map((_, i) => rowOf(batch, i));
}
