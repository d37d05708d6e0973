/**
 * First-stage retrieval: the query is embedded once, then BM25 (multi_match over the boosted text fields) and
 * kNN (over the encoder's vector field) run in one `_msearch` with the same filters, and are fused by RRF. A query
 * image adds a third list, kNN over the image vectors, to the same request and the same fusion.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { EncoderPool } from '../pool/pool.ts';
import { vectorField } from '../encoders/registry.ts';
import { BM25_FIELDS, STEMMED_FIELDS } from '../../mappings/products.ts';
import { stemmedText } from './stem.ts';
import { filterClauses, type Filters } from './filters.ts';
import { reciprocalRankFusion, type FusedCandidate, type RankedHit } from './rrf.ts';
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
}

export interface RetrievalResult {
  candidates: FusedCandidate[];
  queryVector: Float32Array | null;
  took: { embeddingMs: number; retrievalMs: number };
}

/** The BM25 request body (exported for tests and for the plugin benchmark). */
export function bm25Body(query: string, filters: estypes.QueryDslQueryContainer[], size: number): estypes.SearchSearchRequestBody {
  const stemmed = stemmedText(query);
  const must: estypes.QueryDslQueryContainer = query.trim()
    ? {
        bool: {
          should: [
            { multi_match: { query, fields: [...BM25_FIELDS], type: 'best_fields', tie_breaker: 0.3 } },
            ...(stemmed ? [{ multi_match: { query: stemmed, fields: [...STEMMED_FIELDS], type: 'best_fields' as const, tie_breaker: 0.3 } }] : []),
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
  if (useBm25) searches.push({ index }, { ...bm25Body(query, filters, window), ...source });
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
  const candidates = reciprocalRankFusion(bm25, knn, { k: rrfK, ...(image ? { image } : {}) }).slice(0, window);
  return { candidates, queryVector, took: { embeddingMs: t1 - t0, retrievalMs: performance.now() - t1 } };
}
