/**
 * Candidates referenced by index and id: their cleaned fields, stored document vectors and packed passage
 * vectors are read back from Elasticsearch, so reranking does not embed documents again.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { CatalogDocument } from '../catalog/schema.ts';
import type { FeatureCandidate } from '../features/assemble.ts';
import { vectorField } from '../encoders/registry.ts';
import { decodePassageVectors, passagesField } from '../indexing/vector-codec.ts';
import { esCall } from '../es/client.ts';

export interface StoredCandidates {
  found: Map<string, FeatureCandidate>;
  missing: string[];
}

/**
 * Turns one stored `_source` into a feature candidate (vectors decoded, vector fields removed from the doc).
 *
 * @example candidateFromSource('sku-1', hit._source, ['text/minilm'])
 */
export function candidateFromSource(id: string, source: Record<string, unknown>, encoders: readonly string[]): FeatureCandidate {
  const doc: Record<string, unknown> = { ...source };
  const vectors: FeatureCandidate['vectors'] = {};
  const passages: NonNullable<FeatureCandidate['passages']> = {};
  for (const e of encoders) {
    const field = vectorField(e);
    const raw = doc[field];
    if (Array.isArray(raw)) vectors[e] = Float32Array.from(raw as number[]);
    const packed = doc[passagesField(field)];
    if (typeof packed === 'string' && raw && Array.isArray(raw)) passages[e] = decodePassageVectors(packed, raw.length);
  }
  for (const key of Object.keys(doc)) if (key.startsWith('vec_') || key.startsWith('passages_vec_')) delete doc[key];
  return { id, doc: doc as Partial<CatalogDocument>, vectors, passages };
}

/**
 * Reads documents by id with their vectors (one request). Ids not in the index come back in `missing`.
 *
 * @example const { found, missing } = await loadStoredCandidates(es, 'products', ['a', 'b'], ['text/minilm']);
 */
export async function loadStoredCandidates(
  client: Client,
  index: string,
  ids: readonly string[],
  encoders: readonly string[],
  { signal }: { signal?: AbortSignal } = {},
): Promise<StoredCandidates> {
  const unique = [...new Set(ids)];
  // Since 9.2 vectors are left out of `_source` unless asked for.
  const body = {
    index,
    size: unique.length,
    query: { ids: { values: unique } },
    _source: { exclude_vectors: false },
    track_total_hits: false,
  } as unknown as estypes.SearchRequest;
  const res = await esCall(client, (c) => c.search<Record<string, unknown>>(body, signal ? { signal } : {}));
  const found = new Map<string, FeatureCandidate>();
  for (const hit of res.hits.hits) found.set(String(hit._id), candidateFromSource(String(hit._id), hit._source ?? {}, encoders));
  return { found, missing: unique.filter((id) => !found.has(id)) };
}
