/**
 * Candidates referenced by index and id: their cleaned fields, stored document vectors and packed passage
 * vectors are read back from Elasticsearch, so reranking does not embed documents again.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { CatalogDocument } from '../catalog/schema.ts';
import type { FeatureCandidate } from '../features/assemble.ts';
import { encoderSpec, vectorField } from '../encoders/registry.ts';
import { decodePassageVectors, packedField, passagesField } from '../indexing/vector-codec.ts';
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
    const packed = doc[packedField(field)];
    if (typeof packed === 'string') vectors[e] = decodePassageVectors(packed, encoderSpec(e).dim)[0];
    else if (Array.isArray(raw)) vectors[e] = Float32Array.from(raw as number[]);
    const packedPassages = doc[passagesField(field)];
    if (typeof packedPassages === 'string') passages[e] = decodePassageVectors(packedPassages, encoderSpec(e).dim);
  }
  for (const key of Object.keys(doc)) if (/^(vec_|passages_vec_|packed_vec_)/.test(key)) delete doc[key];
  return { id, doc: doc as Partial<CatalogDocument>, vectors, passages };
}

async function searchByIds(client: Client, index: string, ids: string[], withVectors: boolean, signal?: AbortSignal) {
  // Since 9.2 vectors are left out of `_source` unless asked for; the packed copies are what is normally read.
  const body = {
    index,
    size: ids.length,
    query: { ids: { values: ids } },
    ...(withVectors ? { _source: { exclude_vectors: false } } : {}),
    track_total_hits: false,
  } as unknown as estypes.SearchRequest;
  const res = await esCall(client, (c) => c.search<Record<string, unknown>>(body, signal ? { signal } : {}));
  return res.hits.hits;
}

/**
 * Reads documents by id with their packed vectors (one request; documents indexed before packed vectors existed
 * get their float vectors in a second one). Ids not in the index come back in `missing`.
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
  const found = new Map<string, FeatureCandidate>();
  const unpacked: string[] = [];
  for (const hit of await searchByIds(client, index, unique, false, signal)) {
    const c = candidateFromSource(String(hit._id), hit._source ?? {}, encoders);
    found.set(c.id, c);
    // A document without a photo has no image vector at all: only a vector that may exist unpacked is worth a read.
    if (encoders.some((e) => !c.vectors[e] && (encoderSpec(e).modality !== 'image' || typeof c.doc.image === 'string'))) unpacked.push(c.id);
  }
  if (unpacked.length) {
    for (const hit of await searchByIds(client, index, unpacked, true, signal)) {
      found.set(String(hit._id), candidateFromSource(String(hit._id), hit._source ?? {}, encoders));
    }
  }
  return { found, missing: unique.filter((id) => !found.has(id)) };
}
