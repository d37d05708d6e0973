/**
 * Where each feature comes from, so a head can say what it needs and a request can say what it has.
 * `index` features come from Elasticsearch's first stage over the index (`fs:*`: BM25 with the index's field
 * boosts, kNN from the vector index, their fusion): only documents searched in the index have them.
 * `request` features are computed from the query and the candidates themselves (similarities, local BM25 and
 * ranks `loc:*`, lexical, product and metadata features): every request has them, inline or by id.
 * A head's "view" is the set of scopes it was trained on: `index` heads use everything, `inline` heads only
 * request features, so they serve `/v1/rerank` with inline documents exactly as they serve documents by id.
 */

export type FeatureScope = 'index' | 'request';
export type HeadView = 'index' | 'inline';

/**
 * The scope of a feature name.
 *
 * @example featureScope('fs:bm25_norm') // 'index'; featureScope('loc:bm25_norm') // 'request'
 */
export function featureScope(name: string): FeatureScope {
  return name.startsWith('fs:') ? 'index' : 'request';
}

/**
 * The features a view keeps, in the given order.
 *
 * @example viewFeatures(featureNames({ textEncoders }), 'inline') // no fs:* features
 */
export function viewFeatures(names: readonly string[], view: HeadView): string[] {
  return view === 'index' ? [...names] : names.filter((n) => featureScope(n) === 'request');
}

/**
 * Features of `names` that need a scope the request lacks (empty: the head can serve it).
 *
 * @example missingScopes(head.features, new Set(['request'])) // ['fs:bm25_score', ...] for an index head on inline documents
 */
export function missingScopes(names: readonly string[], available: ReadonlySet<FeatureScope>): string[] {
  return names.filter((n) => !available.has(featureScope(n)));
}

/** One line on what each feature measures (by exact name or by `prefix:` / `:suffix`), for `GET /v1/models` and docs. */
const DESCRIPTIONS: Array<[RegExp, string]> = [
  [/:sim$/, 'cosine of the query to the document under this encoder'],
  [/:passage_max$/, 'best cosine of the query to one of the document passages (the document vector when there are none)'],
  [/:passage_mean$/, 'mean cosine of the query to the document passages'],
  [/:missing$/, '1 when the document has no image vector'],
  [/^fs:bm25_score$/, 'Elasticsearch BM25 score (index statistics, fitted field boosts)'],
  [/^fs:bm25_norm$/, 'Elasticsearch BM25 score over the best in the window'],
  [/^fs:bm25_rrank$/, '1 / rank in the Elasticsearch BM25 list (0: not retrieved)'],
  [/^fs:knn_score$/, 'Elasticsearch kNN score'],
  [/^fs:knn_rrank$/, '1 / rank in the Elasticsearch kNN list (0: not retrieved)'],
  [/^fs:fused_rrank$/, '1 / rank after the index fusion of BM25 and kNN'],
  [/^loc:bm25_norm$/, 'BM25 over the request candidates (index or candidate term statistics) over the best'],
  [/^loc:bm25_rrank$/, '1 / rank by request-local BM25 (0: no query term)'],
  [/^loc:knn_rrank$/, '1 / rank by cosine (kNN encoder) among the candidates'],
  [/^loc:fused_rrank$/, '1 / rank by RRF of the two request-local lists'],
  [/^lex:title_overlap$/, 'share of query terms in the title (an untitled text: its short first line)'],
  [/^lex:body_overlap$/, 'share of query terms in the body'],
  [/^lex:category_overlap$/, 'share of query terms in the category path'],
  [/^lex:all_overlap$/, 'share of query terms anywhere in the document (title, body, brand, category, attributes)'],
  [/^lex:code_match$/, '1: a product code of the query appears verbatim, 0.5: its first 6 characters do'],
  [/^prod:unit_match$/, 'share of the query quantities (55 inch, 2 TB) the document states'],
  [/^prod:unit_conflict$/, 'share of the query quantities the document states differently'],
  [/^prod:brand_match$/, 'the document brand is in the query'],
  [/^prod:brand_conflict$/, 'the query names another candidate brand, not this one'],
  [/^prod:attr_match$/, 'share of mentioned attribute keys where the document value is mentioned'],
  [/^prod:attr_conflict$/, 'share of mentioned attribute keys where the document has another value'],
  [/^prod:category_match$/, 'the document category (last path element) is in the query'],
  [/^prod:category_conflict$/, 'the query names another candidate category, not this one'],
  [/^prod:query_code$/, 'the query holds a product-code-like token'],
  [/^meta:/, 'document metadata (price, rating, reviews, age, length)'],
  [/^ix:/, 'hashed projection of the query-document embedding product'],
];

/**
 * A one-line description of a feature.
 *
 * @example describeFeature('prod:unit_match') // 'share of the query quantities (55 inch, 2 TB) the document states'
 */
export function describeFeature(name: string): string {
  return DESCRIPTIONS.find(([re]) => re.test(name))?.[1] ?? '';
}
