/**
 * First-stage retrieval: the query is embedded once, then BM25 (multi_match over the text fields with the index's
 * boosts) and kNN (over the encoder's vector field) run in one `_msearch` with the same filters, and are fused by
 * the index's fitted fusion (plain RRF when it has none; see fusion.ts and tuning.ts). A query image adds a third
 * list, kNN over the image vectors, fused with the others by plain RRF.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { EncoderPool } from '../pool/pool.ts';
import { vectorField } from '../encoders/registry.ts';
import { stemmedText } from './stem.ts';
import { filterClauses, type Filters } from './filters.ts';
import { reciprocalRankFusion, type FusedCandidate, type RankedHit } from './rrf.ts';
import { PLAIN_RRF, weightedFusion, type Fusion } from './fusion.ts';
import { bm25Fields, DEFAULT_BM25, type Bm25Tuning } from './tuning.ts';
import { esFailure, mapEsError, clientUrl } from '../es/client.ts';
import { strataError } from '../errors.ts';

export type RetrievalMode = 'hybrid' | 'bm25' | 'knn';

export interface RetrievalOptions {
  client: Client;
  pool: EncoderPool;
  index: string;
  query: string;
  filters?: Filters;
  /** Documents matching any of these are left out (negations read from the query: "not bosch"). */
  exclude?: Filters;
  /** How many candidates each list returns (and how many fused candidates come back). */
  window?: number;
  rrfK?: number;
  /** The encoder whose vectors kNN searches. */
  encoder?: string;
  mode?: RetrievalMode;
  signal?: AbortSignal;
  /** An already computed query vector (e.g. from a cache). */
  queryVector?: Float32Array;
  /** Return `_source` with the hits (off when the caller loads documents itself). */
  withSource?: boolean;
  /** A query image's vector and its encoder: adds a third kNN list, over the image vectors, to the fusion. */
  image?: { encoder: string; vector: Float32Array };
  /** BM25 field boosts (default `DEFAULT_BM25`; an index's fitted ones come from its tuning). */
  bm25?: Bm25Tuning;
  /** How BM25 and kNN are fused (default plain RRF with `rrfK`). */
  fusion?: Fusion;
}

export interface RetrievalResult {
  candidates: FusedCandidate[];
  /** The lists before fusion (for fitting and evaluating fusions without searching again). */
  lists: { bm25: RankedHit[]; knn: RankedHit[] };
  queryVector: Float32Array | null;
  took: { embeddingMs: number; retrievalMs: number };
}

/** The BM25 request body (exported for tests and for the plugin benchmark). */
export function bm25Body(query: string, filters: estypes.QueryDslQueryContainer[], size: number, tuning: Bm25Tuning = DEFAULT_BM25): estypes.SearchSearchRequestBody {
  const stemmed = stemmedText(query);
  const fields = bm25Fields(tuning);
  const tie_breaker = tuning.tieBreaker;
  const must: estypes.QueryDslQueryContainer = query.trim()
    ? {
        bool: {
          should: [
            { multi_match: { query, fields: fields.raw, type: 'best_fields', tie_breaker } },
            ...(stemmed && fields.stemmed.length ? [{ multi_match: { query: stemmed, fields: fields.stemmed, type: 'best_fields' as const, tie_breaker } }] : []),
          ],
          minimum_should_match: 1,
        },
      }
    : { match_all: {} };
  return { size, query: { bool: { must, filter: filters } }, track_total_hits: false };
}

/** The kNN request body: the same filters go into the kNN `filter`, so filtering happens during the graph search. */
export function knnBody(field: string, vector: Float32Array, filters: estypes.QueryDslQueryContainer[], size: number): estypes.SearchSearchRequestBody {
  return {
    size,
    knn: { field, query_vector: Array.from(vector), k: size, num_candidates: Math.min(10_000, Math.max(100, size * 2)), filter: filters },
    track_total_hits: false,
  };
}

function hitsOf(res: estypes.MsearchMultiSearchItem | estypes.ErrorResponseBase, what: string): RankedHit[] {
  if ('error' in res) throw esFailure(res.error, res.status, { what: `${what} search`, path: 'filters' });
  return res.hits.hits.map((h) => ({ id: String(h._id), score: h._score ?? 0, source: (h._source ?? {}) as Record<string, unknown> }));
}

/**
 * Runs hybrid (or BM25-only / kNN-only) retrieval.
 *
 * @example const { candidates } = await retrieve({ client, pool, index: 'products', query: 'quiet dishwasher', filters: { price: { lte: 600 } } });
 */
export async function retrieve(options: RetrievalOptions): Promise<RetrievalResult> {
  const { client, pool, index, query, window = 100, rrfK = 60, encoder = 'text/chargram', mode = 'hybrid' } = options;
  const excluded = filterClauses(options.exclude);
  const filters = [...filterClauses(options.filters), ...(excluded.length ? [{ bool: { must_not: excluded } }] : [])];
  const noText = query.trim() === '';
  const useKnn = mode !== 'bm25' && !noText;
  // Without query text, BM25 is a match_all that only serves filter-only browsing; next to a query image it
  // would add an arbitrary order to the fusion.
  const useBm25 = noText ? !options.image : mode !== 'knn';

  let queryVector = options.queryVector ?? null;
  const t0 = performance.now();
  if (useKnn && !queryVector) {
    const batch = await pool.encode(encoder, [query], options.signal ? { signal: options.signal } : {});
    if (batch.errors.length) throw strataError('validation', { summary: `query could not be embedded: ${batch.errors[0]!.message}` });
    queryVector = batch.vectors.slice(0, batch.dim);
  }
  const t1 = performance.now();

  const searches: estypes.MsearchRequestItem[] = [];
  const source = options.withSource === false ? { _source: false } : {};
  // DFS: BM25 over an index of several shards uses the index's term statistics, not each shard's, so scores (and
  // the features built on them) are the same however the index is sharded. One shard skips the extra round trip.
  if (useBm25) searches.push({ index, search_type: 'dfs_query_then_fetch' }, { ...bm25Body(query, filters, window, options.bm25), ...source });
  if (useKnn) searches.push({ index }, { ...knnBody(vectorField(encoder), queryVector!, filters, window), ...source });
  if (options.image) searches.push({ index }, { ...knnBody(vectorField(options.image.encoder), options.image.vector, filters, window), ...source });
  let responses: estypes.MsearchResponse['responses'];
  try {
    responses = (await client.msearch({ searches }, options.signal ? { signal: options.signal } : {})).responses;
  } catch (err) {
    throw mapEsError(err, clientUrl(client));
  }
  const bm25 = useBm25 ? hitsOf(responses[0]!, 'BM25') : [];
  const knn = useKnn ? hitsOf(responses[useBm25 ? 1 : 0]!, 'kNN') : [];
  const image = options.image ? hitsOf(responses[Number(useBm25) + Number(useKnn)]!, 'image kNN') : undefined;
  const fusion = options.fusion ?? { ...PLAIN_RRF, k: rrfK };
  // A query image joins by plain RRF (the fitted weights are for text lists); so does a single list.
  const fused = image || !useBm25 || !useKnn ? reciprocalRankFusion(bm25, knn, { k: rrfK, ...(image ? { image } : {}) }) : weightedFusion(query, bm25, knn, fusion);
  const candidates = fused.slice(0, window);
  return { candidates, lists: { bm25, knn }, queryVector, took: { embeddingMs: t1 - t0, retrievalMs: performance.now() - t1 } };
}
