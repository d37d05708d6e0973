/**
 * The product index: settings and mappings typed as `estypes`, with one `dense_vector` field per encoder whose
 * dims come from the encoder registry. Only features of the test distribution are used (standard analyzer, no
 * path_hierarchy tokenizer, no rank_features), see DESIGN.md.
 */
import type { estypes } from '@elastic/elasticsearch';
import { encoderSpec, vectorField } from '../service/encoders/registry.ts';
import { packedField, passagesField } from '../service/indexing/vector-codec.ts';

export type VectorIndexType = 'int8_hnsw' | 'bbq_hnsw' | 'hnsw' | 'int4_hnsw' | 'flat';

export interface ProductIndexOptions {
  /** Encoder ids whose vectors are stored (one field each). */
  encoders: readonly string[];
  /** Quantisation of the HNSW graph: `int8_hnsw` by default, `bbq_hnsw` (1-bit) selectable (dims >= 64). */
  vectorIndex?: VectorIndexType;
  shards?: number;
  replicas?: number;
  refreshInterval?: string;
}

const keyword: estypes.MappingProperty = { type: 'keyword', ignore_above: 1024 };

/**
 * The `dense_vector` property for one encoder.
 *
 * @example vectorProperty('text/chargram', 'int8_hnsw') // { type: 'dense_vector', dims: 384, ... }
 */
export function vectorProperty(encoderId: string, vectorIndex: VectorIndexType = 'int8_hnsw'): estypes.MappingDenseVectorProperty {
  const { dim } = encoderSpec(encoderId);
  const type = vectorIndex === 'bbq_hnsw' && dim < 64 ? 'int8_hnsw' : vectorIndex;
  return { type: 'dense_vector', dims: dim, index: true, similarity: 'cosine', index_options: { type } };
}

/**
 * Settings and mappings for a product index.
 *
 * @example const { settings, mappings } = productIndexBody({ encoders: ['text/chargram'] });
 */
export function productIndexBody({
  encoders,
  vectorIndex = 'int8_hnsw',
  shards = 1,
  replicas = 0,
  refreshInterval = '1s',
}: ProductIndexOptions): { settings: estypes.IndicesIndexSettings; mappings: estypes.MappingTypeMapping } {
  const vectors = Object.fromEntries(
    encoders.flatMap((id) => [
      [vectorField(id), vectorProperty(id, vectorIndex)],
      // Passage vectors of long documents (int8-packed, see service/indexing/vector-codec.ts): read back for
      // reranking, never searched.
      [passagesField(vectorField(id)), { type: 'binary' } as estypes.MappingBinaryProperty],
      // The document vector again, int8-packed: reranking reads ~0.5 KB instead of ~8 KB of JSON floats.
      [packedField(vectorField(id)), { type: 'binary' } as estypes.MappingBinaryProperty],
    ]),
  );
  return {
    settings: { number_of_shards: shards, number_of_replicas: replicas, refresh_interval: refreshInterval },
    mappings: {
      dynamic: 'strict',
      // The stemmed copies are for matching only: kept out of `_source` (re-made from the text at indexing).
      _source: { excludes: ['stemmed_title', 'stemmed_body'] },
      // `encoder_order` keeps the order (the first text encoder is the one kNN searches): ES returns object keys sorted.
      _meta: { strata: { encoders: Object.fromEntries(encoders.map((id) => [id, encoderSpec(id).dim])), encoder_order: [...encoders], vector_index: vectorIndex } },
      properties: {
        id: keyword,
        title: { type: 'text', fields: { raw: keyword } },
        description: { type: 'text' },
        brand: { type: 'text', fields: { raw: keyword } },
        category: { ...keyword, fields: { text: { type: 'text' } } },
        price: { type: 'double' },
        currency: keyword,
        rating: { type: 'float' },
        review_count: { type: 'integer' },
        release_date: { type: 'date' },
        image: { type: 'keyword', index: false },
        attributes: { type: 'object', dynamic: true },
        reviews: { type: 'text' },
        location: { type: 'geo_point' },
        tenant: keyword,
        indexed_at: { type: 'date' },
        stemmed_title: { type: 'text' },
        stemmed_body: { type: 'text' },
        ...vectors,
      },
      // Attribute values get a type by their JSON type, so numeric attributes take range filters.
      dynamic_templates: [
        { attr_numbers: { path_match: 'attributes.*', match_mapping_type: 'long', mapping: { type: 'double' } } },
        { attr_doubles: { path_match: 'attributes.*', match_mapping_type: 'double', mapping: { type: 'double' } } },
        { attr_booleans: { path_match: 'attributes.*', match_mapping_type: 'boolean', mapping: { type: 'boolean' } } },
        { attr_strings: { path_match: 'attributes.*', match_mapping_type: 'string', mapping: keyword } },
      ],
    },
  };
}

/** Fields searched by BM25, with boosts: a title match counts most, then brand and category, then body text. */
export const BM25_FIELDS = ['title^3', 'brand^2', 'category.text^1.5', 'description', 'reviews^0.5'] as const;

/** The Porter-stemmed copies (see service/retrieval/stem.ts), matched with the stemmed query. */
export const STEMMED_FIELDS = ['stemmed_title^3', 'stemmed_body'] as const;
