/**
 * Product-search features: lexical matching of the query against each candidate's own fields, with the request's
 * candidates as the vocabulary (a brand, attribute value or category is "mentioned" when some candidate has it and
 * the query contains it as a phrase). Self-contained on purpose: the query-understanding module (`service/query/`)
 * parses brands, units and ranges for filters; these features only ask whether query and candidate agree.
 *
 * - `prod:unit_match` / `prod:unit_conflict`: share of the query's quantities ("55 inch", "2 TB") the candidate
 *   states (within 1 %), or states differently in the same dimension.
 * - `prod:brand_match` / `prod:brand_conflict`: the candidate's brand is in the query / another candidate's is and
 *   the candidate's (known) brand is not.
 * - `prod:attr_match` / `prod:attr_conflict`: per attribute key the query mentions, the share where the candidate's
 *   value is mentioned / is another value ("navy blue" against a black shirt).
 * - `prod:category_match` / `prod:category_conflict`: the candidate's category (last path element) is in the
 *   query / another candidate's is and the candidate's is not.
 * - `prod:query_code`: the query holds a product-code-like token (letters and digits), where exact matches matter.
 */
import type { CatalogDocument } from '../catalog/schema.ts';
import { codeTokens, terms } from './lexical.ts';
import { quantitiesIn, quantitiesOfAttributes, sameQuantity, type Quantity } from './units.ts';

export const PRODUCT_FEATURES = [
  'prod:unit_match',
  'prod:unit_conflict',
  'prod:brand_match',
  'prod:brand_conflict',
  'prod:attr_match',
  'prod:attr_conflict',
  'prod:category_match',
  'prod:category_conflict',
  'prod:query_code',
] as const;

/** What the query mentions, with the request's candidates as the vocabulary. */
export interface ProductContext {
  quantities: Quantity[];
  brands: Set<string>;
  /** Attribute key -> the values of it the query mentions (normalised). */
  attributes: Map<string, Set<string>>;
  categories: Set<string>;
  hasCode: boolean;
}

const norm = (value: string) => terms(value).join(' ');
const leafOf = (category: string | undefined) => norm(category?.split('/').filter(Boolean).at(-1)?.replace(/[-_]/g, ' ') ?? '');

/** Start positions of a phrase (normalised terms) in the query's terms. */
function spans(query: readonly string[], phrase: string): Array<[number, number]> {
  const words = phrase.split(' ').filter(Boolean);
  const out: Array<[number, number]> = [];
  if (!words.length) return out;
  for (let i = 0; i + words.length <= query.length; i++) if (words.every((w, j) => query[i + j] === w)) out.push([i, i + words.length]);
  return out;
}

/** The phrases found in the query, without those only found inside a longer found phrase ("blue" in "navy blue"). */
function mentioned(query: readonly string[], phrases: Iterable<string>): Set<string> {
  const found = [...new Set(phrases)].map((p) => ({ p, s: spans(query, p) })).filter((x) => x.s.length);
  const inside = (a: [number, number], b: [number, number]) => b[0] <= a[0] && a[1] <= b[1] && b[1] - b[0] > a[1] - a[0];
  return new Set(found.filter((x) => !x.s.every((a) => found.some((y) => y !== x && y.s.some((b) => inside(a, b))))).map((x) => x.p));
}

/**
 * What the query mentions among the candidates' brands, attribute values and categories, and its quantities.
 *
 * @example const ctx = productContext('men navy blue shirts', candidates.map((c) => c.doc));
 */
export function productContext(query: string, docs: ReadonlyArray<Partial<CatalogDocument>>): ProductContext {
  const q = terms(query);
  const values = new Map<string, Set<string>>();
  for (const d of docs) {
    for (const [k, v] of Object.entries(d.attributes ?? {})) {
      if (typeof v !== 'string') continue;
      const n = norm(v);
      if (n) values.set(k, (values.get(k) ?? new Set()).add(n));
    }
  }
  const attributes = new Map<string, Set<string>>();
  for (const [k, vs] of values) {
    const m = mentioned(q, vs);
    if (m.size) attributes.set(k, m);
  }
  return {
    quantities: quantitiesIn(query),
    brands: mentioned(q, docs.map((d) => norm(d.brand ?? '')).filter(Boolean)),
    attributes,
    categories: mentioned(q, docs.map((d) => leafOf(d.category)).filter(Boolean)),
    hasCode: codeTokens(query).length > 0,
  };
}

/**
 * The product features of one candidate, in `PRODUCT_FEATURES` order.
 *
 * @example productFeatures(ctx, doc, `${doc.title} ${doc.description}`)
 */
export function productFeatures(ctx: ProductContext, doc: Partial<CatalogDocument>, text: string): number[] {
  let unitMatch = 0;
  let unitConflict = 0;
  if (ctx.quantities.length) {
    const stated = [...quantitiesIn(text), ...quantitiesOfAttributes(doc.attributes)];
    for (const q of ctx.quantities) {
      if (stated.some((s) => sameQuantity(q, s))) unitMatch++;
      else if (stated.some((s) => s.dimension === q.dimension)) unitConflict++;
    }
    unitMatch /= ctx.quantities.length;
    unitConflict /= ctx.quantities.length;
  }
  const brand = norm(doc.brand ?? '');
  const brandMatch = brand && ctx.brands.has(brand) ? 1 : 0;
  const brandConflict = brand && ctx.brands.size && !brandMatch ? 1 : 0;
  let attrMatch = 0;
  let attrConflict = 0;
  for (const [k, vs] of ctx.attributes) {
    const v = doc.attributes?.[k];
    if (typeof v !== 'string') continue;
    if (vs.has(norm(v))) attrMatch++;
    else attrConflict++;
  }
  if (ctx.attributes.size) {
    attrMatch /= ctx.attributes.size;
    attrConflict /= ctx.attributes.size;
  }
  const leaf = leafOf(doc.category);
  const categoryMatch = leaf && ctx.categories.has(leaf) ? 1 : 0;
  const categoryConflict = leaf && ctx.categories.size && !categoryMatch ? 1 : 0;
  return [unitMatch, unitConflict, brandMatch, brandConflict, attrMatch, attrConflict, categoryMatch, categoryConflict, ctx.hasCode ? 1 : 0];
}
