/**
 * The search form's state and the `/v1/search` body it makes: one builder for every view (Search, Why this
 * order, Weights live), so what the page shows is what the copied curl sends. Pure: no DOM (unit-tested).
 */
import type { Filters, SearchBody } from './types.ts';

export type AttrFilter = { kind: 'value'; value: string } | { kind: 'range'; min: string; max: string } | { kind: 'bool'; value: '' | 'true' | 'false' };

export interface FilterForm {
  brands: string[];
  category: string;
  priceMin: string;
  priceMax: string;
  ratingMin: string;
  releasedFrom: string;
  releasedTo: string;
  attributes: Record<string, AttrFilter>;
}

export interface SearchForm {
  index: string;
  head: string;
  query: string;
  topK: number;
  image: { dataUrl: string; name: string } | null;
  filters: FilterForm;
  /** Understood spans the user removed (chips), for the query they were read from; other queries ignore them. */
  ignore?: { query: string; spans: Array<{ start: number; end: number }> };
}

export const EMPTY_FILTERS: FilterForm = { brands: [], category: '', priceMin: '', priceMax: '', ratingMin: '', releasedFrom: '', releasedTo: '', attributes: {} };

// A number field's text: empty is "no bound"; anything else is sent as typed (a number when it is one), so a bad
// value reaches the API and its message names the field.
const bound = (s: string): number | string | undefined => {
  const t = s.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
};

function range(lo: number | string | undefined, hi: number | string | undefined) {
  if (lo === undefined && hi === undefined) return undefined;
  return { ...(lo !== undefined ? { gte: lo } : {}), ...(hi !== undefined ? { lte: hi } : {}) };
}

/**
 * The API's `filters` from the form (undefined when nothing is set).
 *
 * @example filtersOf({ ...EMPTY_FILTERS, brands: ['Bosch'], priceMax: '800' }) // { brand: ['Bosch'], price: { lte: 800 } }
 */
export function filtersOf(f: FilterForm): Filters | undefined {
  const out: Record<string, unknown> = {};
  if (f.brands.length) out.brand = f.brands;
  if (f.category) out.category = f.category;
  const price = range(bound(f.priceMin), bound(f.priceMax));
  if (price) out.price = price;
  const rating = range(bound(f.ratingMin), undefined);
  if (rating) out.rating = rating;
  const released = range(f.releasedFrom.trim() || undefined, f.releasedTo.trim() || undefined);
  if (released) out.release_date = released;
  const attributes: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(f.attributes)) {
    if (a.kind === 'value' && a.value.trim()) attributes[name] = a.value.trim();
    if (a.kind === 'bool' && a.value) attributes[name] = a.value === 'true';
    if (a.kind === 'range') {
      const r = range(bound(a.min), bound(a.max));
      if (r) attributes[name] = r;
    }
  }
  if (Object.keys(attributes).length) out.attributes = attributes;
  return Object.keys(out).length ? (out as Filters) : undefined;
}

export interface BodyOptions {
  /** Per-request reranker weights (all of them, as the sliders stand). */
  weights?: Record<string, number>;
  /** false: the first stage alone (no head, no reranker). */
  rerank?: boolean;
  mode?: 'hybrid' | 'bm25' | 'knn';
  /** Leave the query image out (BM25 alone cannot use it). */
  withoutImage?: boolean;
  /** First-stage depth: the reranker's window, so a first-stage-only list ranks what the reranker saw. */
  window?: number;
}

/**
 * The `/v1/search` body for the form.
 *
 * @example searchBody(form, { weights: { relevance: 1, recency: 0.5 } }).rerank // { head: 'default', weights: {...} }
 */
export function searchBody(form: SearchForm, { weights, rerank = true, mode, withoutImage = false, window }: BodyOptions = {}): SearchBody {
  const filters = filtersOf(form.filters);
  const ignore = form.ignore?.query === form.query ? form.ignore.spans : [];
  return {
    query: form.query,
    ...(ignore.length ? { understand: { ignore } } : {}),
    ...(form.image && !withoutImage ? { image: form.image.dataUrl } : {}),
    ...(form.index ? { index: form.index } : {}),
    ...(filters ? { filters } : {}),
    top_k: form.topK,
    ...(mode ? { mode } : {}),
    ...(window ? { window } : {}),
    rerank: rerank ? { head: form.head || 'default', ...(weights ? { weights } : {}) } : false,
    explain: rerank,
    snippets: rerank ? 2 : false,
  };
}

/** Whether the form has something to search by (the API refuses an empty request with a 400 as well). */
export function canSearch(form: SearchForm): boolean {
  return form.query.trim() !== '' || form.image !== null || filtersOf(form.filters) !== undefined;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The body as a curl command against `origin`; a key is referenced as `$STRATA_API_KEY`, never written out.
 *
 * @example curlCommand('http://127.0.0.1:8787', { query: 'fridge' }, true)
 */
export function curlCommand(origin: string, body: unknown, withKey: boolean, path = '/v1/search'): string {
  return [
    `curl -s ${shellQuote(origin + path)}`,
    `-H 'content-type: application/json'`,
    ...(withKey ? [`-H "authorization: Bearer $STRATA_API_KEY"`] : []),
    `-d ${shellQuote(JSON.stringify(body))}`,
  ].join(' \\\n  ');
}

/**
 * An Elasticsearch request (method, path, body) as Kibana console text.
 *
 * @example consoleRequest('POST', '/products/_search', { size: 10 }) // 'POST /products/_search\n{\n  "size": 10\n}'
 */
export function consoleRequest(method: string, path: string, body: unknown): string {
  return `${method} ${path}\n${JSON.stringify(body, null, 2)}`;
}
