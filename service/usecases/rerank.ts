/**
 * Reranking as a story: the query's budget ("under $500") is taken out of the relevance text (or query
 * understanding has already done so and found soft preferences); the head is chosen (a head needing
 * Elasticsearch first-stage features cannot serve documents sent inline: an inline head stands in, and the result
 * says so); the query is embedded once per text encoder (cached; adapted when the named index has a query
 * adapter); candidates without stored vectors are embedded (long text as passages; inline documents through the
 * content-addressed cache) and quantised like stored vectors, so the same text scores the same inline as by id;
 * the shared assembler builds the head's features (request-local BM25 with the named index's term statistics, else
 * the candidates'); the head turns them into relevance; the metadata-aware reranker adds recency, popularity,
 * rating, trust and price fit, with every contribution kept; the top results get extractive snippets.
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
import { encoderSpec } from '../encoders/registry.ts';
import { decodePassageVectors, encodePassageVectors } from '../indexing/vector-codec.ts';
import { chooseRerankHead, headScopes } from '../heads/view.ts';
import type { FeatureScope } from '../features/scopes.ts';
import { queryStems, type LexicalStats } from '../features/local-bm25.ts';
import type { IndexTuningStore, ResolvedTuning } from '../retrieval/tuning-store.ts';
import { adaptQueryVectors } from './first-stage.ts';

export interface RerankDeps {
  pool: EncoderPool;
  heads: HeadStore;
  queryEmbedder: QueryEmbedder;
  /** Document vectors computed once (content-addressed cache); without it inline documents go to the pool. */
  documentEmbedder?: DocumentEmbedder;
  textEncoders: readonly string[];
  /** The assembler's `interactionDims` (as configured; the heads were checked against it). */
  interactionDims?: number;
  /** Index tunings (query adapter, term statistics); without it inline documents use their own statistics. */
  tuning?: IndexTuningStore;
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
  /** The index the candidates belong to or are compared with: its term statistics and query adapter apply. */
  index?: string;
  /** The index tuning the first stage already resolved (its adapter was applied to `queryVectors`). */
  tuning?: ResolvedTuning | null;
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
  /** The head used; `requested` and `fallback` when another head had to stand in for the requested one. */
  head: { name: string; version: string; type: string; view: string; requested?: string; fallback?: string };
  /** Where request-local BM25 took its term statistics (when the head uses `loc:*` features). */
  lexicalStats?: LexicalStats['source'];
  took: { embeddingMs: number; featuresMs: number; headMs: number; rerankMs: number; snippetsMs: number };
}

/** Vectors as the index stores them (int8 with a scale, re-normalised): inline and stored text then score alike. */
function asStored(vectors: Float32Array[], encoder: string): Float32Array[] {
  const dim = encoderSpec(encoder).dim;
  return vectors.map((v) => (v.some((x) => x !== 0) ? decodePassageVectors(encodePassageVectors([v], dim), dim)[0]! : v));
}

/** Fills in document and passage vectors for candidates that arrived without stored ones. */
async function completeVectors(deps: RerankDeps, candidates: FeatureCandidate[], signal?: AbortSignal): Promise<void> {
  // Split once per document, not once per encoder (the sentence splitter is most of this function's own time).
  const split = new Map<FeatureCandidate, Array<{ text: string }>>();
  const passagesOf = (c: FeatureCandidate) => split.get(c) ?? split.set(c, documentPassages(c.doc)).get(c)!;
  const embed = async (encoder: string, texts: string[]) =>
    asStored(await embedTexts(deps.documentEmbedder ?? deps.pool, encoder, texts, { signal, priority: 'interactive' }), encoder);
  // Every encoder's documents and passages are embedded at once: the pool spreads them over its workers.
  await Promise.all(
    deps.textEncoders.map(async (encoder) => {
      const missing = candidates.filter((c) => !c.vectors[encoder]);
      if (missing.length === 0) return;
      const withPassages = missing.map((c) => ({ c, passages: passagesOf(c) })).filter((x) => x.passages.length > 1);
      const [docVecs, passageVecs] = await Promise.all([
        embed(encoder, missing.map((c) => embeddingText(c.doc as CatalogDocument))),
        embed(encoder, withPassages.flatMap((x) => x.passages.map((p) => p.text))),
      ]);
      missing.forEach((c, i) => (c.vectors[encoder] = docVecs[i]!));
      let k = 0;
      for (const { c, passages } of withPassages) c.passages = { ...c.passages, [encoder]: passages.map(() => passageVecs[k++]!) };
    }),
  );
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

  // Documents searched in the index carry Elasticsearch's first stage; inline ones only request-local features.
  const available = new Set<FeatureScope>(candidates.every((c) => c.firstStage) ? ['index', 'request'] : ['request']);
  const chosen = chooseRerankHead((n) => deps.heads.get(n, 'rerank'), (n) => deps.heads.has(n), request.head ?? 'default', available);
  const head = chosen.predictor;
  const features = head.artifact.features;

  const t0 = performance.now();
  const tuning = request.tuning !== undefined ? request.tuning : request.index && deps.tuning ? await deps.tuning.get(request.index, signal) : null;
  let queryVectors: Record<string, Float32Array> = { ...(request.queryVectors ?? {}) };
  const needed = deps.textEncoders.filter((e) => !queryVectors[e]);
  // The query and the documents without stored vectors are embedded at the same time (both workers).
  const [fresh] = await Promise.all([needed.length ? deps.queryEmbedder.embed(relevanceQuery, needed, signal) : undefined, completeVectors(deps, candidates, signal)]);
  if (fresh) queryVectors = { ...queryVectors, ...adaptQueryVectors(fresh, tuning?.adapter) };
  const lexicalStats =
    request.index && deps.tuning && features.some((f) => f.startsWith('loc:')) ? await deps.tuning.termStats(request.index, queryStems(relevanceQuery), signal) : undefined;
  const t1 = performance.now();

  const { names, rows } = assembleFeatures({ text: relevanceQuery, vectors: queryVectors, ...(request.now ? { now: request.now } : {}) }, candidates, {
    textEncoders: deps.textEncoders,
    interactionDims: deps.interactionDims ?? 0,
    features,
    ...(lexicalStats ? { lexicalStats } : {}),
  });
  const t2 = performance.now();
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
    head: { name: a.name, version: a.version, type: a.type, view: headScopes(a).view, ...(chosen.fallback ? { requested: chosen.fallback.requested, fallback: chosen.fallback.reason } : {}) },
    ...(features.some((f) => f.startsWith('loc:')) ? { lexicalStats: lexicalStats?.source ?? 'candidates' } : {}),
    took: { embeddingMs: t1 - t0, featuresMs: t2 - t1, headMs: t3 - t2, rerankMs: t4 - t3, snippetsMs: t5 - t4 },
  };
}
