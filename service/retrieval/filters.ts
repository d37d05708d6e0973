/**
 * Structured filters, validated by zod and turned into Elasticsearch filter clauses that are applied to BOTH
 * the BM25 query and the kNN `filter`, so the two first-stage lists cover the same documents.
 */
import type { estypes } from '@elastic/elasticsearch';
import { z } from 'zod';

const bound = z.union([z.number().finite(), z.string().min(1)]);
const numberBound = z.number().finite({ message: 'bounds must be numbers' });
// Typed as strings (not numbers) so the JSON schema of the request says exactly what is accepted.
const dateBound = z
  .string({ message: 'bounds must be ISO dates or date math such as now-30d' })
  .min(1)
  .refine((v) => /^now/.test(v) || !Number.isNaN(Date.parse(v)), { message: 'bounds must be ISO dates or date math such as now-30d' });

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

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const FiltersSchema = z
  .object({
    ids: z.array(z.string().min(1)).min(1).optional(),
    brand: oneOrMany.optional(),
    /** A category path prefix: `appliances/kitchen` matches `appliances/kitchen/fridges`. */
    category: oneOrMany.optional(),
    currency: oneOrMany.optional(),
    tenant: z.string().min(1).optional(),
    price: numRange.optional(),
    rating: numRange.optional(),
    review_count: numRange.optional(),
    release_date: dateRange.optional(),
    /** Attribute filters: a value (term), a list (terms) or a range object. */
    attributes: z
      .record(z.string().regex(/^[\w.-]+$/, 'attribute names are letters, digits, _ . -'), z.union([scalar, z.array(scalar).min(1), RangeSchema]))
      .optional(),
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
      const path = c.replace(/\/+$/, '');
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
