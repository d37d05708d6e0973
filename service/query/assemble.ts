/**
 * From spans to what search uses: hard spans grouped into the `filters` and `negations` objects (the search
 * request's filter shape), soft spans into boosts, and the relevance text with structure phrases cut out. The
 * built-in and the LLM parser share it, so their answers differ only in the spans.
 */
import type { Filters } from '../retrieval/filters.ts';
import type { Range, Scalar } from './candidate.ts';
import type { Boost, Span, Understanding } from './schema.ts';

type MutableFilters = Record<string, unknown> & { attributes?: Record<string, unknown> };

const asList = (v: Scalar | Scalar[] | undefined): Scalar[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function intersect(a: Range, b: Range): Range {
  const out: Range = { ...a };
  const num = (x: number | string | undefined) => (typeof x === 'number' ? x : undefined);
  for (const k of ['gte', 'gt'] as const) if (b[k] !== undefined) out[k] = num(out[k]) !== undefined && num(b[k]) !== undefined ? Math.max(num(out[k])!, num(b[k])!) : b[k];
  for (const k of ['lte', 'lt'] as const) if (b[k] !== undefined) out[k] = num(out[k]) !== undefined && num(b[k]) !== undefined ? Math.min(num(out[k])!, num(b[k])!) : b[k];
  return out;
}

/** The most specific of related category paths ("kitchen fridge" -> fridges); unrelated ones stay alternatives. */
function narrowCategories(paths: string[]): string[] {
  const unique = [...new Set(paths)];
  return unique.filter((p) => !unique.some((q) => q !== p && q.startsWith(`${p}/`)));
}

function put(target: MutableFilters, field: string, span: Pick<Span, 'value' | 'range'>): void {
  const attr = field.startsWith('attributes.') ? field.slice('attributes.'.length) : undefined;
  const holder: Record<string, unknown> = attr ? (target.attributes ??= {}) : target;
  const key = attr ?? field;
  const existing = holder[key];
  if (span.range) {
    holder[key] = existing && typeof existing === 'object' && !Array.isArray(existing) ? intersect(existing as Range, span.range as Range) : { ...span.range };
    return;
  }
  const values = [...asList(existing as Scalar | Scalar[] | undefined), ...asList(span.value as Scalar | Scalar[])];
  let merged = [...new Set(values)];
  if (key === 'category' && !attr) merged = narrowCategories(merged as string[]);
  holder[key] = merged.length === 1 ? merged[0] : merged;
}

const STRUCTURE_KINDS = new Set(['price', 'rating', 'date', 'number']);

// Words that only tied a removed phrase to the rest ("dishwasher with | 45 dB", "shoes | released this year").
const DANGLING_BEFORE = /(?:^|\s)(?:with|for|and|or|in|at|from|of|released|rated|rating|size|priced|costing|that is|that's|which is|but|by)\s*$/i;

/**
 * The relevance text: the query without the spans that became structure (prices, numbers, ratings, dates,
 * negations), and without the words left dangling by their removal.
 *
 * @example residualText('dishwasher under $600 not bosch', spans) // 'dishwasher'
 */
export function residualText(query: string, spans: ReadonlyArray<Pick<Span, 'start' | 'end' | 'kind' | 'negated' | 'effect'>>): string {
  // "new" only leans towards recent products: the word still describes what is wanted.
  const cut = spans.filter((s) => s.negated || (STRUCTURE_KINDS.has(s.kind) && !(s.kind === 'date' && s.effect === 'boost'))).sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let cursor = 0;
  for (const s of cut) {
    let before = query.slice(cursor, Math.max(cursor, s.start));
    for (let m = DANGLING_BEFORE.exec(before); m && before.trim(); m = DANGLING_BEFORE.exec(before)) before = before.slice(0, m.index);
    parts.push(before, ' ');
    cursor = Math.max(cursor, s.end);
  }
  parts.push(query.slice(cursor));
  return parts
    .join('')
    .replace(/^\s*(?:and|or|with|,)\s+/i, '')
    .replace(/\s+([,.!?])/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .replace(/^[\s,.;:!?-]+|[\s,;:-]+$/g, '');
}

/**
 * Filters, negations, boosts and text from spans.
 *
 * @example assembleUnderstanding('bosch dishwasher', spans).filters // { brand: 'Bosch', category: 'appliances/kitchen/dishwashers' }
 */
export function assembleUnderstanding(query: string, spans: readonly Span[]): Understanding {
  const filters: MutableFilters = {};
  const negations: MutableFilters = {};
  const boosts: Boost[] = [];
  spans.forEach((s, i) => {
    if (s.effect === 'filter') put(s.negated ? negations : filters, s.field, s);
    else boosts.push({ field: s.field, ...(s.value !== undefined ? { value: s.value } : {}), ...(s.range ? { range: s.range } : {}), negated: s.negated, weight: s.confidence, span: i });
  });
  return { text: residualText(query, spans), filters: filters as Filters, negations: negations as Filters, boosts, spans: [...spans] };
}
