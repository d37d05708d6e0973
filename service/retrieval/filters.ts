/**
 * Structured filters, validated by zod and turned into Elasticsearch filter clauses that are applied to BOTH
 * the BM25 query and the kNN `filter`, so the two first-stage lists cover the same documents.
 */
import type { estypes } from '@elastic/elasticsearch';
import { z } from 'zod';
import { normalizeCategory } from '../catalog/clean.ts';

/** Elasticsearch date maths: `now` or an ISO date, then `+1d`-style steps and an optional `/d` rounding. */
const DATE_MATH = /^(now|\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?)?\|\|)([+-]\d{1,9}[yMwdhHms])*(\/[yMwdhHms])?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Whether `s` is a date Elasticsearch's `date` fields take in a range: an ISO date or date maths.
 *
 * @example isDateBound('now-30d/d') // true
 *          isDateBound('now-abc') // false
 */
export function isDateBound(s: string): boolean {
  return (ISO_DATE.test(s) && !Number.isNaN(Date.parse(s.slice(0, 10)))) || DATE_MATH.test(s);
}

/** Keyword values longer than this are not indexed (`ignore_above`), so they could never match. */
export const MAX_VALUE_CHARS = 1024;
/** Longest category prefix (Elasticsearch refuses prefix queries over 1,000 characters). */
export const MAX_CATEGORY_CHARS = 512;
/** Most ids in `filters.ids` (Elasticsearch's `ids` query refuses more than its 10,000 result window). */
export const MAX_FILTER_IDS = 10_000;
/** Most values in one list filter. */
export const MAX_FILTER_VALUES = 1000;

const text = (max = MAX_VALUE_CHARS) => z.string().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const bound = z.union([z.number().finite(), text()]);
const numberBound = z.number().finite({ message: 'bounds must be numbers' });
const DATE_BOUND = 'bounds must be ISO dates (2024-05-01) or date maths such as now-30d or now-1M/d';
// Typed as strings (not numbers) so the JSON schema of the request says exactly what is accepted.
const dateBound = z.string({ message: DATE_BOUND }).min(1).refine(isDateBound, { message: DATE_BOUND });

/** A range over one kind of bound: at least one of gte/gt/lte/lt, and the lower bound not above the upper. */
const rangeOf = <B extends z.ZodType<number | string>>(b: B) =>
  z
    .object({ gte: b.optional(), gt: b.optional(), lte: b.optional(), lt: b.optional() })
    .strict()
    .refine((r) => Object.values(r).some((v) => v !== undefined), { message: 'a range needs at least one of gte, gt, lte, lt' })
    .refine(
      (r) => {
        const lo = r.gte ?? r.gt;
        const hi = r.lte ?? r.lt;
        if (lo === undefined || hi === undefined) return true;
        const a = typeof lo === 'number' ? lo : Date.parse(lo);
        const b = typeof hi === 'number' ? hi : Date.parse(hi);
        return Number.isNaN(a) || Number.isNaN(b) || a <= b;
      },
      { message: 'lower bound is above upper bound' },
    )
    .meta({ minProperties: 1 });

const RangeSchema = rangeOf(bound);
const numRange = rangeOf(numberBound);
const dateRange = rangeOf(dateBound);

const scalar = z.union([text(), z.number().finite(), z.boolean()]);
const oneOrMany = (max = MAX_VALUE_CHARS) => z.union([text(max), z.array(text(max)).min(1).max(MAX_FILTER_VALUES, `at most ${MAX_FILTER_VALUES} values`)]);
const idSchema = z.string().min(1).refine((id) => Buffer.byteLength(id, 'utf8') <= 512, { message: 'ids are at most 512 bytes in UTF-8' });

const attributeName = z
  .string()
  .regex(/^[\w.-]+$/, 'attribute names are letters, digits, _ . -')
  .max(256)
  .refine((k) => k !== '__proto__' && k !== 'constructor' && k !== 'prototype', { message: 'this attribute name is not allowed' });

export const FiltersSchema = z
  .object({
    ids: z.array(idSchema).min(1).max(MAX_FILTER_IDS, `at most ${MAX_FILTER_IDS} ids`).optional(),
    brand: oneOrMany().optional(),
    /** A category path prefix: `appliances/kitchen` matches `appliances/kitchen/fridges`. */
    category: oneOrMany(MAX_CATEGORY_CHARS).optional(),
    currency: oneOrMany().optional(),
    tenant: text().optional(),
    price: numRange.optional(),
    rating: numRange.optional(),
    review_count: numRange.optional(),
    release_date: dateRange.optional(),
    /** Attribute filters: a value (term), a list (terms) or a range object. */
    // zod's record drops a `__proto__` key without a word: the JSON-body guard (app/middleware/json-body.ts)
    // refuses that key in any request before this schema sees it.
    attributes: z.record(attributeName, z.union([scalar, z.array(scalar).min(1).max(MAX_FILTER_VALUES, `at most ${MAX_FILTER_VALUES} values`), RangeSchema])).optional(),
  })
  .strict();

export type Filters = z.infer<typeof FiltersSchema>;

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/**
 * Filter clauses for a validated filter object.
 *
 * @example filterClauses({ price: { lte: 500 }, category: 'appliances' })
 */
export function filterClauses(filters: Filters | undefined): estypes.QueryDslQueryContainer[] {
  if (!filters) return [];
  const out: estypes.QueryDslQueryContainer[] = [];
  if (filters.ids) out.push({ ids: { values: filters.ids } });
  if (filters.brand) out.push({ terms: { 'brand.raw': asList(filters.brand) } });
  if (filters.currency) out.push({ terms: { currency: asList(filters.currency) } });
  if (filters.tenant) out.push({ term: { tenant: filters.tenant } });
  if (filters.category) {
    const should = asList(filters.category).map((c) => {
      // Written as the documents' categories are stored: `Home > Kitchen` is `Home/Kitchen`.
      const path = normalizeCategory(c);
      return { bool: { should: [{ term: { category: path } }, { prefix: { category: `${path}/` } }], minimum_should_match: 1 } };
    });
    out.push(should.length === 1 ? should[0]! : { bool: { should, minimum_should_match: 1 } });
  }
  for (const field of ['price', 'rating', 'review_count', 'release_date'] as const) {
    const r = filters[field];
    if (r) out.push({ range: { [field]: r as estypes.QueryDslRangeQuery } });
  }
  for (const [key, value] of Object.entries(filters.attributes ?? {})) {
    const field = `attributes.${key}`;
    if (Array.isArray(value)) out.push({ terms: { [field]: value as estypes.FieldValue[] } });
    else if (typeof value === 'object') out.push({ range: { [field]: value as estypes.QueryDslRangeQuery } });
    else out.push({ term: { [field]: value } });
  }
  return out;
}
