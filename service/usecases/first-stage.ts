/**
 * First stage as reranking sees it: hybrid retrieval, then the window's stored fields and vectors, as feature
 * candidates carrying their BM25/kNN/fused ranks. `/v1/search` and `strata train rerank` both call this, so a
 * head is trained on exactly the candidates it later reranks.
 */
import type { Client } from '@elastic/elasticsearch';
import type { EncoderPool } from '../pool/pool.ts';
import type { FeatureCandidate } from '../features/assemble.ts';
import type { Filters } from '../retrieval/filters.ts';
import { retrieve, type RetrievalMode } from '../retrieval/hybrid.ts';
import { checkFilterTypes } from '../retrieval/check-filters.ts';
import { loadStoredCandidates } from './stored-candidates.ts';
import type { QueryEmbedder } from './embed.ts';

export interface FirstStageOptions {
  client: Client;
  pool: EncoderPool;
  queryEmbedder: QueryEmbedder;
  index: string;
  query: string;
  filters?: Filters;
  /** Negations: documents matching any of these are left out. */
  exclude?: Filters;
  window: number;
  rrfK: number;
  /** Text encoders of the index; the first is the one kNN searches. */
  encoders: readonly string[];
  mode?: RetrievalMode;
  signal?: AbortSignal;
  /** A query image (already embedded): adds image kNN to the fusion and loads the candidates' image vectors. */
  image?: { encoder: string; vector: Float32Array };
}

export interface FirstStageResult {
  candidates: FeatureCandidate[];
  queryVectors: Record<string, Float32Array>;
  took: { embeddingMs: number; retrievalMs: number; loadMs: number };
}

/**
 * Retrieves a window of candidates with everything the feature assembler needs.
 *
 * @example const { candidates } = await firstStage({ client, pool, queryEmbedder, index: 'products', query: 'fridge', window: 100, rrfK: 60, encoders: ['text/minilm'] });
 */
export async function firstStage(options: FirstStageOptions): Promise<FirstStageResult> {
  const { client, pool, index, query, window, rrfK, encoders, signal } = options;
  // Filter values that do not fit their attribute's mapped type are the caller's mistake: a 400, before ES.
  await checkFilterTypes(client, index, options.filters);
  const t0 = performance.now();
  const queryVectors = query.trim() ? await options.queryEmbedder.embed(query, encoders, signal) : {};
  const t1 = performance.now();
  const retrieval = await retrieve({
    client,
    pool,
    index,
    query,
    window,
    rrfK,
    encoder: encoders[0]!,
    mode: options.mode ?? 'hybrid',
    withSource: false,
    ...(options.filters ? { filters: options.filters } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(queryVectors[encoders[0]!] ? { queryVector: queryVectors[encoders[0]!] } : {}),
    ...(options.image ? { image: options.image } : {}),
    ...(signal ? { signal } : {}),
  });
  const t2 = performance.now();
  const ids = retrieval.candidates.map((c) => c.id);
  const load = options.image ? [...encoders, options.image.encoder] : encoders;
  const stored = ids.length ? await loadStoredCandidates(client, index, ids, load, signal ? { signal } : {}) : { found: new Map(), missing: [] };
  const candidates: FeatureCandidate[] = [];
  for (const c of retrieval.candidates) {
    const s = stored.found.get(c.id);
    // A document deleted between the two requests is simply no longer a candidate.
    if (!s) continue;
    candidates.push({
      ...s,
      firstStage: { bm25: c.bm25, knn: c.knn, ...(c.image !== undefined ? { image: c.image } : {}), fusedRank: c.fusedRank, fusedScore: c.fusedScore },
    });
  }
  return { candidates, queryVectors, took: { embeddingMs: t1 - t0, retrievalMs: t2 - t1, loadMs: performance.now() - t2 } };
}

/**
 * First-stage features for a given set of documents: the same retrieval restricted to these ids (so each gets
 * its BM25/kNN rank among the set), plus stored fields and vectors for any the query matched in neither list.
 * Reranking by reference (and the Elasticsearch rescorer) use this, so their features equal `/v1/search`'s
 * whenever its window holds the same documents.
 *
 * @example const { candidates, missing } = await firstStageForIds({ ...options, ids: ['a', 'b'] });
 */
export async function firstStageForIds(
  options: Omit<FirstStageOptions, 'filters' | 'window' | 'mode'> & { ids: readonly string[] },
): Promise<FirstStageResult & { missing: string[] }> {
  const { client, pool, index, query, rrfK, encoders, signal } = options;
  const ids = [...new Set(options.ids)];
  const t0 = performance.now();
  const queryVectors = query.trim() ? await options.queryEmbedder.embed(query, encoders, signal) : {};
  const t1 = performance.now();
  // The ids are known up front, so ranking them and loading them run side by side.
  const [retrieval, stored] = await Promise.all([
    retrieve({
      client,
      pool,
      index,
      query,
      window: ids.length,
      rrfK,
      encoder: encoders[0]!,
      mode: 'hybrid',
      withSource: false,
      filters: { ids },
      ...(queryVectors[encoders[0]!] ? { queryVector: queryVectors[encoders[0]!] } : {}),
      ...(signal ? { signal } : {}),
    }),
    loadStoredCandidates(client, index, ids, encoders, signal ? { signal } : {}),
  ]);
  const t2 = performance.now();
  const ranks = new Map(retrieval.candidates.map((c) => [c.id, c]));
  const candidates: FeatureCandidate[] = [];
  for (const id of ids) {
    const s = stored.found.get(id);
    if (!s) continue;
    const r = ranks.get(id);
    candidates.push({ ...s, firstStage: { bm25: r?.bm25 ?? null, knn: r?.knn ?? null, fusedRank: r?.fusedRank ?? null, fusedScore: r?.fusedScore ?? null } });
  }
  return { candidates, queryVectors, missing: stored.missing, took: { embeddingMs: t1 - t0, retrievalMs: t2 - t1, loadMs: 0 } };
}
