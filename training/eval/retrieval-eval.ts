/**
 * First-stage retrieval evaluated on judged queries: each query goes through the same `retrieve()` the service
 * uses, and the rankings are scored with nDCG/MRR/Recall@k.
 */
import type { Client } from '@elastic/elasticsearch';
import type { EncoderPool } from '../../service/pool/pool.ts';
import { retrieve, type RetrievalMode } from '../../service/retrieval/hybrid.ts';
import { evaluateRun, type RunEvaluation } from './metrics.ts';

export interface RetrievalEvalOptions {
  client: Client;
  pool: EncoderPool;
  index: string;
  queries: ReadonlyMap<string, string>;
  qrels: ReadonlyMap<string, ReadonlyMap<string, number>>;
  mode: RetrievalMode;
  encoder?: string;
  window?: number;
  k?: number;
  rrfK?: number;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs every judged query and evaluates the run.
 *
 * @example const ev = await evaluateRetrieval({ client, pool, index: 'scifact', queries, qrels, mode: 'bm25' });
 */
export async function evaluateRetrieval(options: RetrievalEvalOptions): Promise<RunEvaluation & { run: Map<string, string[]>; seconds: number }> {
  const { client, pool, index, queries, qrels, mode, encoder, window = 100, k = 10, rrfK = 60, concurrency = 4 } = options;
  const ids = [...qrels.keys()].filter((id) => queries.has(id));
  const run = new Map<string, string[]>();
  const started = performance.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const { candidates } = await retrieve({
        client,
        pool,
        index,
        query: queries.get(id)!,
        mode,
        window,
        rrfK,
        ...(encoder ? { encoder } : {}),
      });
      run.set(id, candidates.map((c) => c.id));
      options.onProgress?.(++done, ids.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ...evaluateRun(run, qrels, { k }), run, seconds: (performance.now() - started) / 1000 };
}
