/**
 * The raw facts a vocabulary is compiled from: brand, category and attribute terms with their counts, numeric
 * attribute ranges, which fields are filled, and a sample of documents (title, text, brand, category,
 * attributes) whose words tell which terms are ordinary words and which words stand for a category or a brand.
 * Elasticsearch aggregations fill most of it (`fetch-vocabulary.ts`); `factsFromDocuments` computes all of it
 * from documents, for the scanning fallback and for tests over real catalogs.
 */

export type AttributeType = 'keyword' | 'number' | 'boolean';

export interface TermCount<T = string> {
  value: T;
  count: number;
}

export interface AttributeFacts {
  name: string;
  type: AttributeType;
  /** Documents with the attribute. */
  docs: number;
  /** Distinct values with counts (keyword and boolean attributes, and numbers with few distinct values). */
  values: Array<TermCount<string | number | boolean>>;
  /** Distinct values beyond those listed. */
  otherValues: number;
  min?: number;
  max?: number;
  /** Category paths of documents with the attribute. */
  categories: string[];
}

export interface SampleDoc {
  title: string;
  /** Title and description, for telling ordinary words from terms. */
  text: string;
  brand?: string;
  category?: string;
  attributes?: Record<string, unknown>;
}

export interface VocabularyFacts {
  docCount: number;
  brands: TermCount[];
  categories: TermCount[];
  attributes: AttributeFacts[];
  /** Documents with each top-level filterable field. */
  fields: { price: number; rating: number; release_date: number };
  currencies: string[];
  sample: SampleDoc[];
}

/** Most distinct values kept per attribute; beyond it an attribute is a code or an identifier, not a term. */
export const MAX_VALUES = 200;

function countInto<T>(map: Map<T, number>, key: T): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

const sorted = <T>(m: Map<T, number>): Array<TermCount<T>> => [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count);

/** A catalog document as far as the vocabulary cares (catalog JSON or an Elasticsearch `_source`). */
export interface VocabularyDoc {
  title?: unknown;
  description?: unknown;
  brand?: unknown;
  category?: unknown;
  price?: unknown;
  rating?: unknown;
  release_date?: unknown;
  currency?: unknown;
  attributes?: unknown;
}

/**
 * Vocabulary facts computed from documents. Attribute types follow the JSON types, as the index's dynamic
 * templates map them; `types` (from the mapping) overrides them when given.
 *
 * @example factsFromDocuments(makeDemoCatalog()).brands[0] // { value: 'Samsung', count: 64 }
 */
export function factsFromDocuments(docs: Iterable<VocabularyDoc>, { types = {}, sampleSize = 5000 }: { types?: Record<string, AttributeType>; sampleSize?: number } = {}): VocabularyFacts {
  const brands = new Map<string, number>();
  const categories = new Map<string, number>();
  const currencies = new Set<string>();
  const attrs = new Map<string, { type: AttributeType; docs: number; values: Map<string | number | boolean, number>; min: number; max: number; categories: Set<string> }>();
  const fields = { price: 0, rating: 0, release_date: 0 };
  const sample: SampleDoc[] = [];
  let docCount = 0;
  for (const d of docs) {
    docCount++;
    const brand = typeof d.brand === 'string' && d.brand.trim() ? d.brand.trim() : undefined;
    const category = typeof d.category === 'string' && d.category.trim() ? d.category.trim() : undefined;
    if (brand) countInto(brands, brand);
    if (category) countInto(categories, category);
    if (typeof d.price === 'number') fields.price++;
    if (typeof d.rating === 'number') fields.rating++;
    if (typeof d.release_date === 'string') fields.release_date++;
    if (typeof d.currency === 'string') currencies.add(d.currency);
    const attributes = typeof d.attributes === 'object' && d.attributes !== null ? (d.attributes as Record<string, unknown>) : undefined;
    for (const [name, v] of Object.entries(attributes ?? {})) {
      const jsonType: AttributeType | undefined = typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : typeof v === 'string' ? 'keyword' : undefined;
      if (!jsonType) continue;
      let a = attrs.get(name);
      if (!a) attrs.set(name, (a = { type: types[name] ?? jsonType, docs: 0, values: new Map(), min: Infinity, max: -Infinity, categories: new Set() }));
      a.docs++;
      if (a.values.size <= MAX_VALUES || a.values.has(v as string)) countInto(a.values, v as string | number | boolean);
      if (typeof v === 'number') {
        a.min = Math.min(a.min, v);
        a.max = Math.max(a.max, v);
      }
      if (category) a.categories.add(category);
    }
    if (sample.length < sampleSize) {
      const title = typeof d.title === 'string' ? d.title : '';
      const description = typeof d.description === 'string' ? d.description.slice(0, 2000) : '';
      sample.push({ title, text: `${title} ${description}`, ...(brand ? { brand } : {}), ...(category ? { category } : {}), ...(attributes ? { attributes } : {}) });
    }
  }
  const attributes: AttributeFacts[] = [...attrs].map(([name, a]) => {
    const values = sorted(a.values);
    const kept = values.slice(0, MAX_VALUES);
    return {
      name,
      type: a.type,
      docs: a.docs,
      values: kept,
      otherValues: values.length - kept.length,
      ...(Number.isFinite(a.min) ? { min: a.min, max: a.max } : {}),
      categories: [...a.categories].sort(),
    };
  });
  return { docCount, brands: sorted(brands), categories: sorted(categories), attributes, fields, currencies: [...currencies].sort(), sample };
}
