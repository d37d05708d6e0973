/**
 * Document embeddings computed once: a content-addressed cache in front of the encoder pool, so repeated rerank
 * calls over the same passages (the RAG pattern: the same chunks come back for many questions) skip the
 * transformer. An entry's key is the sha256 of the encoder's fingerprint (id, version, model file hash) and the
 * exact text embedded (already cleaned by the caller); the cache is bounded in bytes and evicts least recently
 * used entries. Within a call, texts are deduplicated and the misses are sent to the pool sorted by length, so
 * the pool's chunks hold texts of similar length (little padding). Concurrent calls for the same text share one
 * embedding.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { EncodedBatch } from '../encoders/types.ts';
import type { EncoderPool } from '../pool/pool.ts';

export interface DocumentCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  /** Texts answered from the cache (or from a concurrent call embedding the same text). */
  hits: number;
  /** Texts sent to the encoder pool. */
  misses: number;
  evictions: number;
}

/** Encodes like the pool does (same signature), with the cache in front. */
export interface DocumentEmbedder extends Pick<EncoderPool, 'encode'> {
  stats(): DocumentCacheStats;
  /** Drops every entry (a model reload). */
  clear(): void;
}

export interface DocumentEmbedderOptions {
  /** Bytes the cached vectors (and their keys) may take. */
  maxBytes?: number;
  /** What identifies an encoder's output: change it when the weights change. Default: the encoder id. */
  fingerprint?: (encoder: string) => string;
}

/** Bookkeeping bytes per entry besides the vector and the key (map node, LRU links). */
const ENTRY_OVERHEAD = 96;

interface Row {
  vector: Float32Array;
  dim: number;
  /** False for an item the encoder refused (a zero row, never cached). */
  ok: boolean;
}

type EncodeOptions = NonNullable<Parameters<EncoderPool['encode']>[2]>;

/**
 * Wraps a pool with the document cache.
 *
 * @example const docs = createDocumentEmbedder(pool, { maxBytes: 64 << 20 });
 *          const batch = await docs.encode('text/minilm', ['a passage', 'another']); // second call: no pool work
 */
export function createDocumentEmbedder(pool: Pick<EncoderPool, 'encode'>, { maxBytes = 64 * 1024 * 1024, fingerprint = (e) => e }: DocumentEmbedderOptions = {}): DocumentEmbedder {
  let hits = 0;
  let misses = 0;
  let evictions = 0;
  const cache = new LRUCache<string, Row>({
    maxSize: maxBytes,
    sizeCalculation: (row, key) => row.vector.byteLength + key.length + ENTRY_OVERHEAD,
    dispose: (_row, _key, reason) => {
      if (reason === 'evict') evictions++;
    },
  });
  // Embeddings under way, so a concurrent call for the same text waits for it instead of embedding it again.
  const inFlight = new Map<string, Promise<Row | undefined>>();
  const keyOf = (prefix: string, text: string) => createHash('sha256').update(prefix).update('\u0000').update(text).digest('base64url');

  /** Embeds `texts[positions]` (one pool call, sorted by length) and writes each row to every position asking for it. */
  const embedInto = async (encoder: string, texts: readonly unknown[], groups: number[][], options: EncodeOptions, rows: Array<Row | undefined>, errors: EncodedBatch['errors']) => {
    const sorted = [...groups].sort((a, b) => lengthOf(texts[a[0]!]) - lengthOf(texts[b[0]!]));
    misses += sorted.length;
    const batch = await pool.encode(encoder, sorted.map((g) => texts[g[0]!]), options);
    const failed = new Map(batch.errors.map((e) => [e.index, e.message]));
    sorted.forEach((positions, j) => {
      const row = { vector: batch.vectors.slice(j * batch.dim, (j + 1) * batch.dim), dim: batch.dim, ok: !failed.has(j) };
      for (const i of positions) {
        rows[i] = row;
        if (!row.ok) errors.push({ index: i, message: failed.get(j)! });
      }
    });
  };

  return {
    async encode(encoder, inputs, options = {}): Promise<EncodedBatch> {
      const texts = inputs as readonly unknown[];
      const prefix = fingerprint(encoder);
      const rows = new Array<Row | undefined>(texts.length);
      const errors: EncodedBatch['errors'] = [];
      const fresh = new Map<string, number[]>();
      const shared: Array<[number, Promise<Row | undefined>]> = [];
      const other: number[][] = [];
      texts.forEach((t, i) => {
        // Non-strings go to the encoder uncached, which reports them as item errors.
        if (typeof t !== 'string') return void other.push([i]);
        const key = keyOf(prefix, t);
        const hit = cache.get(key);
        const pending = hit ? undefined : inFlight.get(key);
        if (hit) hits++;
        if (hit) rows[i] = hit;
        else if (pending) shared.push([i, pending]);
        else if (fresh.has(key)) {
          hits++;
          fresh.get(key)!.push(i);
        } else fresh.set(key, [i]);
      });

      if (fresh.size || other.length) {
        const settle = new Map<string, (row: Row | undefined) => void>();
        for (const key of fresh.keys()) inFlight.set(key, new Promise((resolve) => settle.set(key, resolve)));
        try {
          await embedInto(encoder, texts, [...fresh.values(), ...other], options, rows, errors);
        } finally {
          for (const [key, positions] of fresh) {
            inFlight.delete(key);
            const row = rows[positions[0]!];
            // Items the encoder refused are answered (zero rows, with their errors) but never cached.
            if (row?.ok) cache.set(key, row);
            settle.get(key)!(row?.ok ? row : undefined);
          }
        }
      }
      // Texts a concurrent call was embedding: its result, or embedded here when that call failed.
      const retry: number[][] = [];
      for (const [i, pending] of shared) {
        const row = await pending;
        if (row) hits++;
        if (row) rows[i] = row;
        else retry.push([i]);
      }
      if (retry.length) await embedInto(encoder, texts, retry, options, rows, errors);

      const dim = rows.find((r) => r)?.dim ?? 0;
      const vectors = new Float32Array(texts.length * dim);
      rows.forEach((r, i) => r && vectors.set(r.vector, i * dim));
      return { dim, count: texts.length, vectors, errors: errors.sort((a, b) => a.index - b.index) };
    },
    stats: () => ({ entries: cache.size, bytes: cache.calculatedSize, maxBytes, hits, misses, evictions }),
    clear: () => cache.clear(),
  };
}

function lengthOf(input: unknown): number {
  return typeof input === 'string' ? input.length : 0;
}
