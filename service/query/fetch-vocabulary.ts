/**
 * Reads an index's vocabulary facts from Elasticsearch: attribute types from the mapping; brand, category,
 * currency and attribute terms, numeric ranges and which fields are filled from one aggregation request
 * (`terms`, `min`, `max`, `filter` live in the server core, so the test distribution answers them); and a
 * sample of documents for the words. When the aggregations are refused, everything is computed by scanning
 * the documents instead (up to a cap).
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { esCall } from '../es/client.ts';
import { factsFromDocuments, MAX_VALUES, type AttributeFacts, type AttributeType, type VocabularyDoc, type VocabularyFacts } from './facts.ts';

export interface FetchOptions {
  signal?: AbortSignal;
  /** Documents read for the word statistics. */
  sampleSize?: number;
  /** Most documents read when aggregations are not available. */
  scanLimit?: number;
  /** Skip aggregations (tests of the fallback). */
  forceScan?: boolean;
}

const SOURCE_FIELDS = ['title', 'description', 'brand', 'category', 'price', 'rating', 'release_date', 'currency', 'attributes'];

/** Attribute names and types from the mapping of every index behind `index`. */
async function attributeTypes(client: Client, index: string, signal?: AbortSignal): Promise<Record<string, AttributeType>> {
  const res = await esCall(client, (c) => c.indices.getMapping({ index }, signal ? { signal } : {}));
  const types: Record<string, AttributeType> = {};
  for (const { mappings } of Object.values(res)) {
    const props = ((mappings.properties?.['attributes'] as estypes.MappingObjectProperty | undefined)?.properties ?? {}) as Record<string, estypes.MappingProperty>;
    for (const [name, p] of Object.entries(props)) {
      const t = p.type;
      if (t === 'keyword') types[name] = 'keyword';
      else if (t === 'boolean') types[name] = 'boolean';
      else if (t === 'double' || t === 'float' || t === 'long' || t === 'integer' || t === 'short' || t === 'half_float' || t === 'scaled_float') types[name] = 'number';
      // A text attribute (an index not made by Strata) is filterable through its keyword sub-field only; skipped.
    }
  }
  return types;
}

/** Documents in index order, `size` per page, at most `limit`. */
async function scanDocuments(client: Client, index: string, limit: number, signal?: AbortSignal): Promise<VocabularyDoc[]> {
  const out: VocabularyDoc[] = [];
  let after: estypes.SortResults | undefined;
  while (out.length < limit) {
    const res = await esCall(client, (c) =>
      c.search<VocabularyDoc>(
        { index, size: Math.min(1000, limit - out.length), _source: SOURCE_FIELDS, sort: ['_doc'], track_total_hits: false, ...(after ? { search_after: after } : {}) },
        signal ? { signal } : {},
      ),
    );
    const hits = res.hits.hits;
    for (const h of hits) if (h._source) out.push(h._source);
    if (hits.length === 0 || !hits[hits.length - 1]!.sort) break;
    after = hits[hits.length - 1]!.sort;
  }
  return out;
}

type Bucket = { key: string | number; key_as_string?: string; doc_count: number };
type AggResult = { buckets?: Bucket[]; value?: number | null; doc_count?: number; sum_other_doc_count?: number; [k: string]: unknown };

function aggregationsFor(types: Record<string, AttributeType>): Record<string, estypes.AggregationsAggregationContainer> {
  const aggs: Record<string, estypes.AggregationsAggregationContainer> = {
    brands: { terms: { field: 'brand.raw', size: 5000 } },
    categories: { terms: { field: 'category', size: 5000 } },
    currencies: { terms: { field: 'currency', size: 100 } },
    has_price: { filter: { exists: { field: 'price' } } },
    has_rating: { filter: { exists: { field: 'rating' } } },
    has_release_date: { filter: { exists: { field: 'release_date' } } },
  };
  Object.entries(types).forEach(([name, type], i) => {
    const field = `attributes.${name}`;
    aggs[`a${i}`] = {
      filter: { exists: { field } },
      aggs: {
        values: { terms: { field, size: MAX_VALUES + 1 } },
        categories: { terms: { field: 'category', size: 500 } },
        ...(type === 'number' ? { min: { min: { field } }, max: { max: { field } } } : {}),
      },
    };
  });
  return aggs;
}

function factsFromAggregations(aggs: Record<string, AggResult>, types: Record<string, AttributeType>, docCount: number): Omit<VocabularyFacts, 'sample'> {
  const buckets = (name: string) => aggs[name]?.buckets ?? [];
  const attributes: AttributeFacts[] = Object.entries(types).map(([name, type], i) => {
    const a = (aggs[`a${i}`] ?? {}) as AggResult & Record<string, AggResult>;
    const values = (a['values']?.buckets ?? []).map((b) => ({
      value: type === 'boolean' ? b.key === 1 || b.key === 'true' || b.key_as_string === 'true' : type === 'number' ? Number(b.key) : String(b.key),
      count: b.doc_count,
    }));
    const kept = values.slice(0, MAX_VALUES);
    const min = a['min']?.value;
    const max = a['max']?.value;
    return {
      name,
      type,
      docs: a.doc_count ?? 0,
      values: kept,
      otherValues: values.length - kept.length + ((a['values']?.sum_other_doc_count ?? 0) > 0 ? 1 : 0),
      ...(typeof min === 'number' && typeof max === 'number' ? { min, max } : {}),
      categories: (a['categories']?.buckets ?? []).map((b) => String(b.key)).sort(),
    };
  });
  return {
    docCount,
    brands: buckets('brands').map((b) => ({ value: String(b.key), count: b.doc_count })),
    categories: buckets('categories').map((b) => ({ value: String(b.key), count: b.doc_count })),
    currencies: buckets('currencies').map((b) => String(b.key)).sort(),
    attributes: attributes.filter((a) => a.docs > 0),
    fields: { price: aggs['has_price']?.doc_count ?? 0, rating: aggs['has_rating']?.doc_count ?? 0, release_date: aggs['has_release_date']?.doc_count ?? 0 },
  };
}

/**
 * Vocabulary facts of an index, and how they were read.
 *
 * @example const { facts, source } = await fetchVocabularyFacts(es, 'products'); // source: 'aggregations'
 */
export async function fetchVocabularyFacts(client: Client, index: string, options: FetchOptions = {}): Promise<{ facts: VocabularyFacts; source: 'aggregations' | 'scan' }> {
  const { signal, sampleSize = 3000, scanLimit = 20_000 } = options;
  const types = await attributeTypes(client, index, signal);
  if (!options.forceScan) {
    try {
      const res = await client.search({ index, size: 0, track_total_hits: true, aggs: aggregationsFor(types) }, signal ? { signal } : {});
      const total = typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? 0);
      const partial = factsFromAggregations((res.aggregations ?? {}) as Record<string, AggResult>, types, total);
      const sample = factsFromDocuments(await scanDocuments(client, index, sampleSize, signal), { types, sampleSize }).sample;
      return { facts: { ...partial, sample }, source: 'aggregations' };
    } catch (err) {
      // Only a refused aggregation falls back; an unreachable cluster is an error here as everywhere.
      const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
      if (status !== 400 && status !== 500) throw err;
    }
  }
  const docs = await scanDocuments(client, index, scanLimit, signal);
  return { facts: factsFromDocuments(docs, { types, sampleSize }), source: 'scan' };
}
