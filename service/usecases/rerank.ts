/**
 * Reranking as a story: the query's budget ("under $500") is taken out of the relevance text (or query
 * understanding has already done so and found soft preferences); the query is
 * embedded once per text encoder (cached); candidates without stored vectors are embedded (long text as
 * passages); the shared assembler builds features; the head turns them into relevance; the metadata-aware
 * reranker adds recency, popularity, rating, trust and price fit, with every contribution kept; the top
 * results get extractive snippets.
 */
import type { CatalogDocument } from '../catalog/schema.ts';
import { assembleFeatures, type FeatureCandidate } from '../features/assemble.ts';
import type { HeadStore } from '../heads/store.ts';
import type { EncoderPool } from '../pool/pool.ts';
import { embeddingText } from '../indexing/prepare.ts';
import { parseBudget, stripBudget, type Budget } from '../query/budget.ts';
import { rerankCandidates } from '../rerank/rerank.ts';
import { understoodParts } from '../rerank/signals.ts';
import type { Boost } from '../query/schema.ts';
import type { Signal, Weights } from '../rerank/weights.ts';
import { extractSnippets } from '../text/snippets.ts';
import { documentPassages } from './passages.ts';
import { embedTexts, type QueryEmbedder } from './embed.ts';
import type { DocumentEmbedder } from './document-embeddings.ts';
import { encodeChargrams } from '../encoders/chargram.ts';
import { rowOf } from '../encoders/types.ts';

export interface RerankDeps {
  pool: EncoderPool;
  heads: HeadStore;
  queryEmbedder: QueryEmbedder;
  /** Document vectors computed once (content-addressed cache); without it inline documents go to the pool. */
  documentEmbedder?: DocumentEmbedder;
  textEncoders: readonly string[];
  /** The assembler's `interactionDims` (as configured; the heads were checked against it). */
  interactionDims?: number;
}

export interface RerankRequest {
  query: string;
  candidates: FeatureCandidate[];
  head?: string;
  weights?: Partial<Weights>;
  /** Return features and per-signal contributions. */
  explain?: boolean;
  /** Snippets per result (0: none). */
  snippets?: number;
  topN?: number;
  now?: Date;
  signal?: AbortSignal;
  /** Query vectors already computed (e.g. by the first stage). */
  queryVectors?: Record<string, Float32Array>;
  /** A query image's vector: candidates with a stored vector of the same encoder get the image signal. */
  queryImage?: { encoder: string; vector: Float32Array };
  /**
   * What query understanding made of the query: the relevance text, the budget and the soft preferences. Without
   * it the budget is parsed from the query here (as `/v1/rerank` does).
   */
  understood?: { text: string; budget: Budget | null; boosts: readonly Boost[] };
}

export interface Snippet {
  text: string;
  start: number;
  end: number;
  score: number;
  highlights: Array<{ start: number; end: number }>;
  field: string;
}

export interface RerankedItem {
  /** Position of the candidate in the request. */
  index: number;
  id: string;
  score: number;
  relevance: number;
  contributions?: Record<Signal, number>;
  signals?: Record<Signal, number | null>;
  features?: Record<string, number>;
  /** With explain and soft preferences: which of them the document meets, and its share of the `understood` signal. */
  boosts?: Array<{ span: number; matched: boolean; share: number }>;
  snippets?: Snippet[];
  doc: Partial<CatalogDocument>;
  firstStage?: FeatureCandidate['firstStage'];
}

export interface RerankResult {
  results: RerankedItem[];
  budget: Budget | null;
  head: { name: string; version: string; type: string };
  took: { embeddingMs: number; featuresMs: number; headMs: number; rerankMs: number; snippetsMs: number };
}

/** Fills in document and passage vectors for candidates that arrived without stored ones. */
async function completeVectors(deps: RerankDeps, candidates: FeatureCandidate[], signal?: AbortSignal): Promise<void> {
  for (const encoder of deps.textEncoders) {
    const missing = candidates.filter((c) => !c.vectors[encoder]);
    if (missing.length === 0) continue;
    const docVecs = await embedTexts(deps.documentEmbedder ?? deps.pool, encoder, missing.map((c) => embeddingText(c.doc as CatalogDocument)), signal);
    missing.forEach((c, i) => (c.vectors[encoder] = docVecs[i]!));
    const withPassages = missing.map((c) => ({ c, passages: documentPassages(c.doc) })).filter((x) => x.passages.length > 1);
    const flat = withPassages.flatMap((x) => x.passages.map((p) => p.text));
    const passageVecs = await embedTexts(deps.documentEmbedder ?? deps.pool, encoder, flat, signal);
    let k = 0;
    for (const { c, passages } of withPassages) {
      c.passages = { ...c.passages, [encoder]: passages.map(() => passageVecs[k++]!) };
    }
  }
}

/** Snippets from the body fields (description, then reviews), scored by chargram similarity and term overlap. */
function snippetsFor(query: string, doc: Partial<CatalogDocument>, count: number): Snippet[] {
  const fields: Array<[string, string]> = [];
  if (doc.description) fields.push(['description', doc.description]);
  (doc.reviews ?? []).forEach((r, i) => fields.push([`reviews.${i}`, r]));
  const all: Snippet[] = [];
  const q = rowOf(encodeChargrams([query]), 0);
  for (const [field, text] of fields) {
    const similarity = (sentences: string[]) => {
      const b = encodeChargrams(sentences);
      return sentences.map((_, i) => rowOf(b, i).reduce((s, x, j) => s + x * q[j]!, 0));
    };
    for (const s of extractSnippets(query, text, { count, similarity })) all.push({ ...s, field });
  }
  return all.sort((a, b) => b.score - a.score).slice(0, count);
}

/** Cosine of the query image to the candidate's stored image vector (both unit length), or null. */
function imageSimilarity(queryImage: RerankRequest['queryImage'], c: FeatureCandidate): number | null {
  const v = queryImage ? c.vectors[queryImage.encoder] : undefined;
  if (!queryImage || !v || v.length !== queryImage.vector.length) return null;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * queryImage.vector[i]!;
  return s;
}

/**
 * Reranks candidates; results come best first, each with its position in the request.
 *
 * @example const { results } = await rerank(deps, { query: 'quiet dishwasher under $600', candidates });
 */
export async function rerank(deps: RerankDeps, request: RerankRequest): Promise<RerankResult> {
  const { candidates, signal } = request;
  const understood = request.understood;
  const budget = understood ? understood.budget : parseBudget(request.query);
  const relevanceQuery = understood ? understood.text.trim() || request.query : (budget ? stripBudget(request.query) : request.query).trim() || request.query;

  const t0 = performance.now();
  const queryVectors = { ...(request.queryVectors ?? {}) };
  const needed = deps.textEncoders.filter((e) => !queryVectors[e]);
  if (needed.length) Object.assign(queryVectors, await deps.queryEmbedder.embed(relevanceQuery, needed, signal));
  await completeVectors(deps, candidates, signal);
  const t1 = performance.now();

  const { names, rows } = assembleFeatures({ text: relevanceQuery, vectors: queryVectors, ...(request.now ? { now: request.now } : {}) }, candidates, {
    textEncoders: deps.textEncoders,
    interactionDims: deps.interactionDims ?? 0,
  });
  const t2 = performance.now();
  const head = deps.heads.get(request.head ?? 'default', 'rerank');
  const relevance = head.predict(rows, candidates.length);
  const t3 = performance.now();

  const order = new Map(candidates.map((c, i) => [c.id, i]));
  const ranked = rerankCandidates(
    candidates.map((c, i) => ({ id: c.id, relevance: relevance[i]!, doc: c.doc, imageSimilarity: imageSimilarity(request.queryImage, c) })),
    { ...(request.weights ? { weights: request.weights } : {}), budget, ...(understood?.boosts.length ? { boosts: understood.boosts } : {}), ...(request.now ? { now: request.now } : {}) },
  );
  const top = ranked.slice(0, request.topN ?? ranked.length);
  const t4 = performance.now();

  const d = names.length;
  const nowMs = (request.now ?? new Date()).getTime();
  const results: RerankedItem[] = top.map((r) => {
    const index = order.get(r.id)!;
    const cand = candidates[index]!;
    return {
      index,
      id: r.id,
      score: r.score,
      relevance: relevance[index]!,
      ...(request.explain
        ? {
            contributions: r.contributions,
            signals: r.signals,
            features: Object.fromEntries(names.map((n, j) => [n, rows[index * d + j]!])),
            ...(understood?.boosts.length ? { boosts: understoodParts(cand.doc, understood.boosts, nowMs) } : {}),
          }
        : {}),
      ...(request.snippets ? { snippets: snippetsFor(relevanceQuery, cand.doc, request.snippets) } : {}),
      doc: cand.doc,
      ...(cand.firstStage ? { firstStage: cand.firstStage } : {}),
    };
  });
  const t5 = performance.now();
  const a = head.artifact;
  return {
    results,
    budget,
    head: { name: a.name, version: a.version, type: a.type },
    took: { embeddingMs: t1 - t0, featuresMs: t2 - t1, headMs: t3 - t2, rerankMs: t4 - t3, snippetsMs: t5 - t4 },
  };
}
