/**
 * First stage as reranking sees it: hybrid retrieval with the index's own tuning (BM25 boosts, fusion, query
 * adapter; defaults when it has none), then the window's stored fields and vectors, as feature candidates carrying
 * their BM25/kNN/fused ranks. `/v1/search` and `strata train rerank` both call this, so a head is trained on
 * exactly the candidates it later reranks.
 */
import type { Client } from '@elastic/elasticsearch';
import type { EncoderPool } from '../pool/pool.ts';
import type { FeatureCandidate } from '../features/assemble.ts';
import type { Filters } from '../retrieval/filters.ts';
import { retrieve, type RetrievalMode } from '../retrieval/hybrid.ts';
import type { Fusion } from '../retrieval/fusion.ts';
import type { Bm25Tuning } from '../retrieval/tuning.ts';
import type { IndexTuningStore, ResolvedTuning } from '../retrieval/tuning-store.ts';
import type { QueryAdapter } from '../retrieval/adapter.ts';
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
  /** The index's tuning (BM25 boosts, fusion, adapter); without it the defaults serve. */
  tuning?: IndexTuningStore;
  /** Overrides of the tuning, for evaluations (`rrf`: plain RRF; `none`: no adapter). */
  overrides?: { bm25?: Bm25Tuning; fusion?: Fusion; adapter?: 'none' };
}

/** The first stage that by-reference documents are ranked against (what `/v1/search` would retrieve). */
export interface RankWithin {
  filters?: Filters;
  window: number;
  mode?: RetrievalMode;
}

export interface FirstStageResult {
  candidates: FeatureCandidate[];
  /** Query vectors as used (adapted when the index has a query adapter). */
  queryVectors: Record<string, Float32Array>;
  /** The index tuning that served (null: defaults). */
  tuning: ResolvedTuning | null;
  took: { embeddingMs: number; retrievalMs: number; loadMs: number };
}

/**
 * Query vectors with the adapter applied to its encoder's vector (a copy; the cached vectors stay raw).
 *
 * @example adaptQueryVectors({ 'text/minilm': v }, adapter)
 */
export function adaptQueryVectors(vectors: Record<string, Float32Array>, adapter: QueryAdapter | null | undefined): Record<string, Float32Array> {
  const e = adapter?.artifact.encoder;
  if (!adapter || !e || !vectors[e]) return vectors;
  return { ...vectors, [e]: adapter.apply(vectors[e]) };
}

async function embedQuery(options: Pick<FirstStageOptions, 'queryEmbedder' | 'query' | 'encoders' | 'signal' | 'overrides'>, tuning: ResolvedTuning | null) {
  if (!options.query.trim()) return {};
  const raw = await options.queryEmbedder.embed(options.query, options.encoders, options.signal);
  return options.overrides?.adapter === 'none' ? raw : adaptQueryVectors(raw, tuning?.adapter);
}

function retrievalTuning(options: Pick<FirstStageOptions, 'overrides' | 'rrfK'>, tuning: ResolvedTuning | null) {
  const bm25 = options.overrides?.bm25 ?? tuning?.tuning?.bm25;
  const fusion = options.overrides?.fusion ?? tuning?.tuning?.fusion;
  return { ...(bm25 ? { bm25 } : {}), ...(fusion ? { fusion } : {}) };
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
  const tuning = options.tuning ? await options.tuning.get(index, signal) : null;
  const queryVectors = await embedQuery(options, tuning);
  const t1 = performance.now();
  const retrieval = await retrieve({
    ...retrievalTuning(options, tuning),
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
  return { candidates, queryVectors, tuning, took: { embeddingMs: t1 - t0, retrievalMs: t2 - t1, loadMs: performance.now() - t2 } };
}

/**
 * First-stage features for a given set of documents: the same retrieval restricted to these ids (so each gets
 * its BM25/kNN rank among the set), plus stored fields and vectors for any the query matched in neither list.
 * Reranking by reference (and the Elasticsearch rescorer) use this, so their features equal `/v1/search`'s
 * whenever its window holds the same documents.
 *
 * With `within`, the ranks come instead from `/v1/search`'s own first stage (those filters, that window), so a
 * document's features do not depend on which other documents were sent with it: the rescorer on a sharded index
 * sends each shard's part of the window separately, and the parts must score as the whole would.
 *
 * @example const { candidates, missing } = await firstStageForIds({ ...options, ids: ['a', 'b'] });
 */
export async function firstStageForIds(
  options: Omit<FirstStageOptions, 'filters' | 'window' | 'mode'> & { ids: readonly string[]; within?: RankWithin },
): Promise<FirstStageResult & { missing: string[] }> {
  const { within } = options;
  const { client, pool, index, query, rrfK, encoders, signal } = options;
  const ids = [...new Set(options.ids)];
  const t0 = performance.now();
  const tuning = options.tuning ? await options.tuning.get(index, signal) : null;
  const queryVectors = await embedQuery(options, tuning);
  const t1 = performance.now();
  // The ids are known up front, so ranking them and loading them run side by side.
  const [retrieval, stored] = await Promise.all([
    retrieve({
      ...retrievalTuning(options, tuning),
      client,
      pool,
      index,
      query,
      window: within ? within.window : ids.length,
      rrfK,
      encoder: encoders[0]!,
      mode: within?.mode ?? 'hybrid',
      withSource: false,
      ...(within ? (within.filters ? { filters: within.filters } : {}) : { filters: { ids } }),
      ...(queryVectors[encoders[0]!] ? { queryVector: queryVectors[encoders[0]!] } : {}),
      ...(signal ? { signal } : {}),
    }),
    loadStoredCandidates(client, index, ids, encoders, signal ? { signal } : {}),
  ]);
  const t2 = performance.now();
  const ranks = new Map(retrieval.candidates.map((c) => [c.id, c]));
  // `fs:bm25_norm` divides by the best BM25 score of the whole first stage, not of the documents at hand.
  const bm25Max = within ? { bm25Max: Math.max(0, ...retrieval.candidates.map((c) => c.bm25?.score ?? 0)) } : {};
  const candidates: FeatureCandidate[] = [];
  for (const id of ids) {
    const s = stored.found.get(id);
    if (!s) continue;
    const r = ranks.get(id);
    candidates.push({ ...s, firstStage: { bm25: r?.bm25 ?? null, knn: r?.knn ?? null, fusedRank: r?.fusedRank ?? null, fusedScore: r?.fusedScore ?? null, ...bm25Max } });
  }
  return { candidates, queryVectors, tuning, missing: stored.missing, took: { embeddingMs: t1 - t0, retrievalMs: t2 - t1, loadMs: 0 } };
}
