/**
 * Feature assembly: ONE module used by serving and by training, so what a head was trained on is what it sees.
 * Per (query, document) it produces a fixed, named feature vector: per text encoder the cosine of the query to
 * the document and max/mean over the document's passages, first-stage scores and ranks, lexical overlap and
 * code matches, image similarity when both sides have one, and numeric/categorical metadata; optionally
 * (`interactionDims` > 0) a seeded random projection of the query-document interaction vector (see interaction.ts).
 */
import type { CatalogDocument } from '../catalog/schema.ts';
import { interactionFeatures } from './interaction.ts';
import { codeMatch, overlap, terms } from './lexical.ts';

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
}

const FIRST_STAGE = ['fs:bm25_score', 'fs:bm25_norm', 'fs:bm25_rrank', 'fs:knn_score', 'fs:knn_rrank', 'fs:fused_rrank'];
const LEXICAL = ['lex:title_overlap', 'lex:body_overlap', 'lex:category_overlap', 'lex:code_match'];
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
  return [...names, ...FIRST_STAGE, ...LEXICAL, ...META, ...interaction];
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
 * Builds the feature matrix (row-major `candidates.length x names.length`).
 *
 * @example const { names, rows } = assembleFeatures(query, candidates, { textEncoders: ['text/chargram'] });
 */
export function assembleFeatures(
  query: FeatureQuery,
  candidates: readonly FeatureCandidate[],
  options: AssemblerOptions,
): { names: string[]; rows: Float32Array } {
  const names = featureNames(options);
  const d = names.length;
  const rows = new Float32Array(candidates.length * d);
  const qTerms = terms(query.text);
  const now = (query.now ?? new Date()).getTime();
  const maxBm25 = Math.max(0, ...candidates.map((c) => c.firstStage?.bm25Max ?? c.firstStage?.bm25?.score ?? 0));
  const k = options.interactionDims ?? 0;
  const queryBlocks = options.textEncoders.map((e) => query.vectors[e]);

  candidates.forEach((cand, r) => {
    let j = r * d;
    const put = (v: number) => (rows[j++] = Number.isFinite(v) ? v : 0);
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

    const doc = cand.doc;
    const body = [doc.description, ...(doc.reviews ?? [])].filter(Boolean).join('\n');
    put(overlap(qTerms, new Set(terms(doc.title ?? ''))));
    put(overlap(qTerms, new Set(terms(body))));
    put(overlap(qTerms, new Set(terms((doc.category ?? '').replace(/\//g, ' ')))));
    const attrs = doc.attributes ? Object.values(doc.attributes).join(' ') : '';
    put(codeMatch(query.text, `${doc.title ?? ''} ${attrs}`));

    put(doc.price !== undefined ? Math.log1p(doc.price) : 0);
    put(doc.price === undefined ? 1 : 0);
    put(doc.rating ?? 0);
    put(doc.rating === undefined ? 1 : 0);
    put(Math.log1p(doc.review_count ?? 0));
    const released = doc.release_date ? Date.parse(doc.release_date) : NaN;
    put(Number.isNaN(released) ? 0 : Math.log1p(Math.max(0, (now - released) / DAY_MS)));
    put(Number.isNaN(released) ? 1 : 0);
    put(Math.log1p(body.length + (doc.title?.length ?? 0)));

    if (k > 0) {
      for (const v of interactionFeatures(queryBlocks, options.textEncoders.map((e) => cand.vectors[e]), k)) put(v);
    }
  });
  return { names, rows };
}
