/**
 * The values an index holds for each filterable field, so a search form can offer them as controls: brands and
 * category paths with counts (parents included: `appliances` counts everything under it), ranges of price,
 * rating, review count and release date, and every attribute by its mapped type (keyword values with counts,
 * numeric ranges, booleans). One `size: 0` search with aggregations; attribute names come from the mapping.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { z } from 'zod';
import { esCall } from '../es/client.ts';
import { strataError } from '../errors.ts';

const ValueCount = z.object({ value: z.string(), count: z.number().int() });
const NumRange = z.object({ min: z.number(), max: z.number() }).nullable();

export const FacetsSchema = z.object({
  index: z.string(),
  documents: z.number().int(),
  brands: z.array(ValueCount),
  categories: z.array(ValueCount),
  currencies: z.array(ValueCount),
  price: NumRange,
  rating: NumRange,
  review_count: NumRange,
  /** ISO dates (yyyy-mm-dd) of the oldest and newest release. */
  release_date: z.object({ min: z.string(), max: z.string() }).nullable(),
  attributes: z.array(
    z.object({
      name: z.string(),
      type: z.enum(['keyword', 'number', 'boolean']),
      /** keyword / boolean: the most frequent values; `more` when there are others. */
      values: z.array(ValueCount).optional(),
      more: z.boolean().optional(),
      /** number: the range. */
      range: NumRange.optional(),
    }),
  ),
});
export type Facets = z.infer<typeof FacetsSchema>;

/** How many values of one keyword field are listed (a form control with more would not be usable). */
const MAX_VALUES = 50;
const ATTR_TYPES: Record<string, 'keyword' | 'number' | 'boolean'> = { keyword: 'keyword', double: 'number', float: 'number', long: 'number', integer: 'number', boolean: 'boolean' };

type Agg = Record<string, estypes.AggregationsAggregate>;
const terms = (aggs: Agg, key: string) =>
  ((aggs[key] as estypes.AggregationsStringTermsAggregate | undefined)?.buckets as estypes.AggregationsStringTermsBucket[] | undefined) ?? [];
const range = (aggs: Agg, key: string) => {
  const s = aggs[key] as estypes.AggregationsStatsAggregate | undefined;
  return s && s.count > 0 && s.min !== null && s.max !== null ? { min: s.min, max: s.max } : null;
};
const valueCounts = (buckets: estypes.AggregationsStringTermsBucket[]) =>
  buckets.map((b) => ({ value: String(b.key_as_string ?? b.key), count: b.doc_count }));

/**
 * Category paths with their parents: `a/b/c` (3) and `a/b/d` (2) give `a` 5, `a/b` 5, `a/b/c` 3, `a/b/d` 2,
 * sorted by path so a select lists a tree.
 *
 * @example withParents([{ value: 'a/b', count: 2 }]) // [{ value: 'a', count: 2 }, { value: 'a/b', count: 2 }]
 */
export function withParents(paths: ReadonlyArray<{ value: string; count: number }>): Array<{ value: string; count: number }> {
  const counts = new Map<string, number>();
  for (const { value, count } of paths) {
    const parts = value.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      counts.set(prefix, (counts.get(prefix) ?? 0) + count);
    }
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([value, count]) => ({ value, count }));
}

/**
 * Reads the facets of `index` (an alias or an index).
 *
 * @example const f = await indexFacets(es, 'products'); f.brands[0] // { value: 'Bosch', count: 31 }
 */
export async function indexFacets(client: Client, index: string): Promise<Facets> {
  const mapping = await esCall(client, (c) => c.indices.getMapping({ index }));
  const first = Object.values(mapping)[0];
  if (!first) throw strataError('not_found', { what: `index "${index}"` });
  const attrProps = ((first.mappings.properties?.attributes as estypes.MappingObjectProperty | undefined)?.properties ?? {}) as Record<string, { type?: string }>;
  const attrs = Object.entries(attrProps)
    .map(([name, p]) => ({ name, type: ATTR_TYPES[p.type ?? ''] }))
    .filter((a): a is { name: string; type: 'keyword' | 'number' | 'boolean' } => a.type !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));

  const aggs: Record<string, estypes.AggregationsAggregationContainer> = {
    brands: { terms: { field: 'brand.raw', size: 500 } },
    // Leaf paths; parents are summed from them (a prefix aggregation would need one query per level).
    categories: { terms: { field: 'category', size: 1000 } },
    currencies: { terms: { field: 'currency', size: 20 } },
    price: { stats: { field: 'price' } },
    rating: { stats: { field: 'rating' } },
    review_count: { stats: { field: 'review_count' } },
    release_date: { stats: { field: 'release_date' } },
  };
  attrs.forEach((a, i) => {
    const field = `attributes.${a.name}`;
    aggs[`attr${i}`] = a.type === 'number' ? { stats: { field } } : { terms: { field, size: MAX_VALUES } };
  });
  const res = await esCall(client, (c) => c.search({ index, size: 0, track_total_hits: true, aggs }));
  const got = (res.aggregations ?? {}) as Agg;
  const total = typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? 0);
  const dates = got.release_date as estypes.AggregationsStatsAggregate | undefined;
  const isoDay = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString().slice(0, 10));
  const minDay = isoDay(dates?.min);
  const maxDay = isoDay(dates?.max);
  return {
    index,
    documents: total,
    brands: valueCounts(terms(got, 'brands')),
    categories: withParents(valueCounts(terms(got, 'categories'))),
    currencies: valueCounts(terms(got, 'currencies')),
    price: range(got, 'price'),
    rating: range(got, 'rating'),
    review_count: range(got, 'review_count'),
    release_date: minDay && maxDay && dates!.count > 0 ? { min: minDay, max: maxDay } : null,
    attributes: attrs.map((a, i) => {
      if (a.type === 'number') return { ...a, range: range(got, `attr${i}`) };
      const agg = got[`attr${i}`] as estypes.AggregationsStringTermsAggregate | undefined;
      return { ...a, values: valueCounts(terms(got, `attr${i}`)), more: (agg?.sum_other_doc_count ?? 0) > 0 };
    }),
  };
}
