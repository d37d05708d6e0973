/**
 * Feature assembly: ONE module used by serving and by training, so what a head was trained on is what it sees.
 * Per (query, document) it produces named features: per text encoder the cosine of the query to the document and
 * max/mean over the document's passages; Elasticsearch first-stage scores and ranks (`fs:*`, index scope); the
 * same computed over the request's own candidates (`loc:*`: local BM25, cosine and fused ranks); lexical overlap
 * and code matches; product features (units, brand, attributes, category; see product.ts); image similarity when
 * both sides have one; numeric metadata; optionally (`interactionDims` > 0) a seeded random projection of the
 * query-document interaction vector (see interaction.ts). A head asks for its own features (`features`), in its
 * own order; groups it does not use are not computed. See scopes.ts for which features inline documents have.
 */
import type { CatalogDocument } from '../catalog/schema.ts';
import { interactionFeatures } from './interaction.ts';
import { codeMatch, overlap, terms, termsOfWords } from './lexical.ts';
import { docFields, type DocFields } from './fields.ts';
import { localFirstStage } from './local-first-stage.ts';
import { fieldWords, type FieldWords, type LexicalStats } from './local-bm25.ts';
import { PRODUCT_FEATURES, productContext, productFeatures } from './product.ts';

export interface FirstStage {
  bm25?: { score: number; rank: number } | null;
  knn?: { score: number; rank: number } | null;
  /** The query image's kNN list (only when the search had a query image; not a head feature). */
  image?: { score: number; rank: number } | null;
  fusedRank?: number | null;
  /** The reciprocal-rank-fusion score the fused rank comes from. */
  fusedScore?: number | null;
  /**
   * The best BM25 score of the first stage these ranks come from, when that holds more than the candidates at
   * hand (a shard's part of a window): `fs:bm25_norm` divides by it, so the part scores as the whole would.
   */
  bm25Max?: number;
}

export interface FeatureCandidate {
  id: string;
  doc: Partial<CatalogDocument>;
  /** Document vector per encoder id (unit length). */
  vectors: Record<string, Float32Array | undefined>;
  /** Passage vectors per encoder id, for long text (absent: the document vector stands in). */
  passages?: Record<string, Float32Array[] | undefined>;
  firstStage?: FirstStage;
}

export interface FeatureQuery {
  text: string;
  /** Query vector per encoder id. */
  vectors: Record<string, Float32Array | undefined>;
  now?: Date;
}

export interface AssemblerOptions {
  /** Text encoders contributing similarity features, in order. */
  textEncoders: readonly string[];
  /** The image encoder, when image similarity is wanted. */
  imageEncoder?: string;
  /**
   * Interaction features `ix:0..k-1` appended last: q⊙d of the concatenated text embeddings projected to k
   * dimensions with fixed signs (0: none, the default, so heads trained without them are unchanged).
   */
  interactionDims?: number;
  /** The features to produce, in this order (a head's list); default: all of `featureNames(options)`. */
  features?: readonly string[];
  /** Term statistics for local BM25 (`loc:*`) from the index; default: from the candidates. */
  lexicalStats?: LexicalStats;
}

const FIRST_STAGE = ['fs:bm25_score', 'fs:bm25_norm', 'fs:bm25_rrank', 'fs:knn_score', 'fs:knn_rrank', 'fs:fused_rrank'];
const LOCAL = ['loc:bm25_norm', 'loc:bm25_rrank', 'loc:knn_rrank', 'loc:fused_rrank'];
const LEXICAL = ['lex:title_overlap', 'lex:body_overlap', 'lex:category_overlap', 'lex:code_match', 'lex:all_overlap'];
const META = [
  'meta:log_price',
  'meta:price_missing',
  'meta:rating',
  'meta:rating_missing',
  'meta:log_reviews',
  'meta:log_age_days',
  'meta:age_missing',
  'meta:log_length',
];

/**
 * The feature names for a configuration, in vector order (stored in every head artifact).
 *
 * @example featureNames({ textEncoders: ['text/minilm'] })[0] // 'text/minilm:sim'
 */
export function featureNames({ textEncoders, imageEncoder, interactionDims = 0 }: AssemblerOptions): string[] {
  const names: string[] = [];
  for (const e of textEncoders) names.push(`${e}:sim`, `${e}:passage_max`, `${e}:passage_mean`);
  if (imageEncoder) names.push(`${imageEncoder}:sim`, `${imageEncoder}:missing`);
  const interaction = Array.from({ length: interactionDims }, (_, i) => `ix:${i}`);
  return [...names, ...FIRST_STAGE, ...LOCAL, ...LEXICAL, ...PRODUCT_FEATURES, ...META, ...interaction];
}

/**
 * How many interaction features a feature list (e.g. a head artifact's) holds: the `interactionDims` it needs.
 *
 * @example interactionDimsOf(artifact.features) // 16 for a head trained with --interaction-dims 16
 */
export function interactionDimsOf(names: readonly string[]): number {
  return names.filter((n) => n.startsWith('ix:')).length;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

const DAY_MS = 86_400_000;

/**
 * Builds the feature matrix (row-major `candidates.length x names.length`), `names` being `options.features` when
 * given (an unknown name throws) or the full list.
 *
 * @example const { names, rows } = assembleFeatures(query, candidates, { textEncoders: ['text/chargram'] });
 */
export function assembleFeatures(
  query: FeatureQuery,
  candidates: readonly FeatureCandidate[],
  options: AssemblerOptions,
): { names: string[]; rows: Float32Array } {
  const all = featureNames(options);
  const names = options.features ? [...options.features] : all;
  const column = new Map(all.map((n, j) => [n, j]));
  const unknown = names.filter((n) => !column.has(n));
  if (unknown.length) throw new Error(`features the assembler does not produce: ${JSON.stringify(unknown)}`);
  const uses = (prefix: string) => names.some((n) => n.startsWith(prefix));
  const full = all.length;
  const d = names.length;
  const rows = new Float32Array(candidates.length * d);
  const row = new Float32Array(full);
  const qTerms = terms(query.text);
  const now = (query.now ?? new Date()).getTime();
  const maxBm25 = Math.max(0, ...candidates.map((c) => c.firstStage?.bm25Max ?? c.firstStage?.bm25?.score ?? 0));
  const k = options.interactionDims ?? 0;
  const queryBlocks = options.textEncoders.map((e) => query.vectors[e]);
  const fields: DocFields[] = candidates.map((c) => docFields(c.doc));
  const knnEncoder = options.textEncoders[0];
  const cosines = candidates.map((c) => {
    const q = knnEncoder ? query.vectors[knnEncoder] : undefined;
    const v = knnEncoder ? c.vectors[knnEncoder] : undefined;
    return q && v ? dot(q, v) : null;
  });
  const lexical = uses('lex:');
  // Fields are split into words once, for the lexical features and local BM25 alike.
  const words: FieldWords[] | null = lexical || uses('loc:') ? fields.map(fieldWords) : null;
  const local = uses('loc:') ? localFirstStage(query.text, words!, cosines, options.lexicalStats) : null;
  const maxLocal = local ? Math.max(0, ...local.bm25) : 0;
  const product = uses('prod:') ? productContext(query.text, candidates.map((c) => c.doc)) : null;

  candidates.forEach((cand, r) => {
    row.fill(0);
    let j = 0;
    const put = (v: number) => (row[j++] = Number.isFinite(v) ? v : 0);
    for (const e of options.textEncoders) {
      const q = query.vectors[e];
      const v = cand.vectors[e];
      const sim = q && v ? dot(q, v) : 0;
      const passages = cand.passages?.[e];
      if (q && passages && passages.length > 0) {
        const sims = passages.map((p) => dot(q, p));
        put(sim);
        put(Math.max(...sims));
        put(sims.reduce((a, b) => a + b, 0) / sims.length);
      } else {
        put(sim);
        put(sim);
        put(sim);
      }
    }
    if (options.imageEncoder) {
      const q = query.vectors[options.imageEncoder];
      const v = cand.vectors[options.imageEncoder];
      put(q && v ? dot(q, v) : 0);
      put(q && v ? 0 : 1);
    }
    const fs = cand.firstStage ?? {};
    put(fs.bm25?.score ?? 0);
    put(fs.bm25 && maxBm25 > 0 ? fs.bm25.score / maxBm25 : 0);
    put(fs.bm25 ? 1 / fs.bm25.rank : 0);
    put(fs.knn?.score ?? 0);
    put(fs.knn ? 1 / fs.knn.rank : 0);
    put(fs.fusedRank ? 1 / fs.fusedRank : 0);

    if (local) {
      put(maxLocal > 0 ? local.bm25[r]! / maxLocal : 0);
      put(local.bm25Rank[r] ? 1 / local.bm25Rank[r]! : 0);
      put(local.cosineRank[r] ? 1 / local.cosineRank[r]! : 0);
      put(1 / local.fusedRank[r]!);
    } else j += LOCAL.length;

    const doc = cand.doc;
    const f = fields[r]!;
    if (lexical) {
      // The document-wide overlap reads the union of the fields' terms.
      const w = words![r]!;
      const titleTerms = new Set(termsOfWords(w.title));
      const bodyTerms = new Set(termsOfWords(w.body));
      const categoryTerms = new Set(termsOfWords(w.category));
      put(overlap(qTerms, titleTerms));
      put(overlap(qTerms, bodyTerms));
      put(overlap(qTerms, categoryTerms));
      put(codeMatch(query.text, `${f.title} ${f.attributes}`));
      put(overlap(qTerms, new Set([...titleTerms, ...bodyTerms, ...categoryTerms, ...termsOfWords(w.brand), ...termsOfWords(w.attributes)])));
    } else j += LEXICAL.length;

    if (product) for (const v of productFeatures(product, doc, `${f.title}\n${f.attributes}\n${f.body}`)) put(v);
    else j += PRODUCT_FEATURES.length;

    put(doc.price !== undefined ? Math.log1p(doc.price) : 0);
    put(doc.price === undefined ? 1 : 0);
    put(doc.rating ?? 0);
    put(doc.rating === undefined ? 1 : 0);
    put(Math.log1p(doc.review_count ?? 0));
    const released = doc.release_date ? Date.parse(doc.release_date) : NaN;
    put(Number.isNaN(released) ? 0 : Math.log1p(Math.max(0, (now - released) / DAY_MS)));
    put(Number.isNaN(released) ? 1 : 0);
    put(Math.log1p(f.body.length + f.title.length));

    if (k > 0 && uses('ix:')) {
      for (const v of interactionFeatures(queryBlocks, options.textEncoders.map((e) => cand.vectors[e]), k)) put(v);
    }
    const out = r * d;
    names.forEach((n, c) => (rows[out + c] = row[column.get(n)!]!));
  });
  return { names, rows };
}
