/**
 * First-stage lists for judged queries, fetched once and reused: BM25 under given field boosts, and kNN with the
 * (optionally adapted) query vector. Fusions, boosts and baselines are then compared on the same lists.
 */
import type { Client } from '@elastic/elasticsearch';
import type { EncoderPool } from '../../service/pool/pool.ts';
import { retrieve } from '../../service/retrieval/hybrid.ts';
import type { RankedHit } from '../../service/retrieval/rrf.ts';
import type { Bm25Tuning } from '../../service/retrieval/tuning.ts';
import type { QueryAdapter } from '../../service/retrieval/adapter.ts';
import type { QueryEmbedder } from '../../service/usecases/embed.ts';

export interface ListOptions {
  client: Client;
  pool: EncoderPool;
  queryEmbedder: QueryEmbedder;
  index: string;
  queries: ReadonlyMap<string, string>;
  ids: readonly string[];
  /** The kNN encoder. */
  encoder: string;
  window: number;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Runs `work` for every id with a few in flight, keeping the results in id order. */
export async function forEachQuery<T>(ids: readonly string[], concurrency: number, work: (id: string) => Promise<T>, onProgress?: (done: number, total: number) => void): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      out.set(id, await work(id));
      onProgress?.(++done, ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return new Map(ids.filter((id) => out.has(id)).map((id) => [id, out.get(id)!]));
}

/**
 * The BM25 list of every query under `bm25` boosts.
 *
 * @example const lists = await bm25Lists(options, DEFAULT_BM25);
 */
export function bm25Lists(o: ListOptions, bm25: Bm25Tuning): Promise<Map<string, RankedHit[]>> {
  return forEachQuery(
    o.ids,
    o.concurrency ?? 4,
    async (id) => (await retrieve({ client: o.client, pool: o.pool, index: o.index, query: o.queries.get(id)!, mode: 'bm25', window: o.window, bm25, withSource: false })).lists.bm25,
    o.onProgress,
  );
}

/**
 * The kNN list of every query, its vector adapted when an adapter is given.
 *
 * @example const lists = await knnLists(options, adapter);
 */
export function knnLists(o: ListOptions, adapter?: QueryAdapter | null): Promise<Map<string, RankedHit[]>> {
  return forEachQuery(
    o.ids,
    o.concurrency ?? 4,
    async (id) => {
      const text = o.queries.get(id)!;
      const raw = (await o.queryEmbedder.embed(text, [o.encoder]))[o.encoder]!;
      const queryVector = adapter && adapter.artifact.encoder === o.encoder ? adapter.apply(raw) : raw;
      return (await retrieve({ client: o.client, pool: o.pool, index: o.index, query: text, mode: 'knn', window: o.window, encoder: o.encoder, queryVector, withSource: false })).lists.knn;
    },
    o.onProgress,
  );
}
