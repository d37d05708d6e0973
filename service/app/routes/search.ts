/**
 * `POST /v1/search`: hybrid first-stage retrieval with typed filters, then (unless `rerank: false`) the head and
 * the metadata-aware reranker over the top window, with snippets. Every hit carries its first-stage ranks, final
 * score and contributions; the response a `took` breakdown by stage. An optional query image (base64) adds kNN over
 * the index's image vectors to the fusion and an `image` signal to the reranker.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../validate.ts';
import { authorizeIndex, defaultIndex } from '../auth.ts';
import { FiltersSchema } from '../../retrieval/filters.ts';
import { WeightsSchema } from '../../rerank/weights.ts';
import { firstStage } from '../../usecases/first-stage.ts';
import { rerank } from '../../usecases/rerank.ts';
import { IndexNameSchema } from './documents.ts';
import { roundAll } from './rerank.ts';
import type { FirstStage } from '../../features/assemble.ts';
import { indexEncoders } from '../../es/indices.ts';
import { listEncoderSpecs } from '../../encoders/registry.ts';
import { strataError } from '../../errors.ts';
import { UnderstandOptionSchema, UnderstoodSchema } from '../../query/schema.ts';
import { createVocabularyCache } from '../../query/vocabulary-cache.ts';
import { planFilters, planSearch, relaxPlan, type QueryPlan } from '../../usecases/understand-search.ts';
import { BudgetSchema } from '../../query/budget.ts';
import { ExplainSchema, HeadRefSchema, respond, SnippetSchema, StoredDocumentSchema, timings } from '../response-schemas.ts';
import { elapsedMs } from '../request-log.ts';

export const SearchRequestSchema = z
  .object({
    query: z.string().max(4096).default(''),
    image: z
      .string()
      .min(1)
      .regex(/^(data:image\/[a-z0-9.+-]+;base64,)?[A-Za-z0-9+/\s]+={0,2}$/, 'must be base64 image bytes (optionally a data:image/...;base64, URL)')
      .optional()
      .describe('A query image (JPEG, PNG, WebP, ...) as base64: adds image kNN to retrieval and the image signal to reranking'),
    index: IndexNameSchema.optional(),
    filters: FiltersSchema.optional(),
    top_k: z.number().int().min(1).max(1000).default(10),
    mode: z.enum(['hybrid', 'bm25', 'knn']).default('hybrid'),
    window: z.number().int().min(1).max(1000).optional(),
    rerank: z
      .union([
        z.literal(false),
        z
          .object({
            head: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/).default('default'),
            window: z.number().int().min(1).max(1000).optional(),
            weights: WeightsSchema.optional(),
          })
          .strict(),
      ])
      .default({ head: 'default' }),
    explain: z.boolean().default(false),
    snippets: z.union([z.boolean(), z.number().int().min(0).max(10)]).default(true),
    understand: UnderstandOptionSchema,
  })
  .strict()
  .refine((r) => r.query.trim() !== '' || r.image !== undefined || r.filters !== undefined, {
    message: 'give a query, an image or filters',
    path: ['query'],
  })
  .meta({ description: 'Give a query, an image or filters (or several).' });

const rank = z.number().int().min(1).nullable();
const RanksSchema = z.object({ bm25: rank, knn: rank, image: rank.optional().describe('Only with a query image'), fused: rank });
const FirstStageScoresSchema = z.object({ bm25: z.number().nullable(), knn: z.number().nullable(), image: z.number().nullable().optional() });

const RerankedHitSchema = z.object({
  id: z.string(),
  score: z.number().describe('Final score: the sum of the contributions'),
  rank: z.number().int().min(1),
  ranks: RanksSchema.describe('First-stage ranks (null: not in that list)'),
  scores: FirstStageScoresSchema.extend({ relevance: z.number().describe("The head's relevance") }),
  ...ExplainSchema.partial().shape,
  boosts: z
    .array(z.object({ span: z.number().int(), matched: z.boolean(), share: z.number() }))
    .optional()
    .describe('With explain and soft preferences from query understanding: which the document meets, and its share of the `understood` signal'),
  snippets: z.array(SnippetSchema).optional(),
  document: StoredDocumentSchema,
});

const FusedHitSchema = z.object({
  id: z.string(),
  score: z.number().describe('The reciprocal-rank-fusion score'),
  ranks: RanksSchema,
  scores: FirstStageScoresSchema.extend({ fused: z.number().nullable() }),
  document: StoredDocumentSchema,
});

const FIRST_STAGE_TOOK = ['embeddingMs', 'retrievalMs', 'totalMs'] as const;

export const SearchResponseSchema = z.discriminatedUnion('reranked', [
  z.object({
    hits: z.array(RerankedHitSchema),
    reranked: z.literal(true),
    head: HeadRefSchema,
    budget: BudgetSchema.nullable().describe('The budget read from the query ("under $500"), if any'),
    understood: UnderstoodSchema.optional().describe('Query understanding: every span, what it became, the filters, exclusions and boosts applied'),
    took: timings(['embeddingMs', 'retrievalMs', 'featuresMs', 'headsMs', 'rerankMs', 'snippetsMs', 'totalMs']).extend({ understandMs: z.number().optional() }),
  }),
  z.object({
    hits: z.array(FusedHitSchema),
    reranked: z.literal(false).describe('`rerank: false`: the fused first stage'),
    understood: UnderstoodSchema.optional(),
    took: timings(FIRST_STAGE_TOOK).extend({ understandMs: z.number().optional() }),
  }),
]);

/**
 * The index's image encoder (from its mapping), embedding the query image with it. A request with an image for an
 * index without image vectors, or an image that does not decode, is a 400 naming `image`.
 */
async function embedQueryImage(deps: AppDeps, index: string, image: string, signal: AbortSignal): Promise<{ encoder: string; vector: Float32Array }> {
  const { dims } = await indexEncoders(deps.es, index);
  const encoder = listEncoderSpecs().find((spec) => spec.modality === 'image' && dims[spec.id] !== undefined)?.id;
  if (!encoder) {
    throw strataError('validation', { summary: `image: index "${index}" has no image vectors (index it with an image encoder, e.g. --encoders text/minilm,image/mobilenet)` });
  }
  const bytes = Buffer.from(image.replace(/^data:[^,]*,/, ''), 'base64');
  const batch = await deps.pool.encode(encoder, [new Uint8Array(bytes)], { signal });
  if (batch.errors.length) throw strataError('validation', { summary: `image: ${batch.errors[0]!.message}` });
  return { encoder, vector: batch.vectors.slice(0, batch.dim) };
}

export function searchRoutes(deps: AppDeps): Hono {
  const { es, pool, config } = deps;
  const understanding = { vocabularies: deps.vocabularies ?? createVocabularyCache(es, { checkIntervalMs: config.understanding.vocabularyCheckMs }), llm: deps.llm };
  const app = new Hono();
  app.post('/', async (c) => {
    const req = await readJson(c, SearchRequestSchema);
    const index = authorizeIndex(c, req.index ?? defaultIndex(c, config.service.index));
    const window = Math.max(req.rerank ? (req.rerank.window ?? req.window ?? config.retrieval.window) : (req.window ?? req.top_k), req.top_k);
    const encoders = config.retrieval.textEncoders;
    const t0 = performance.now();
    const image = req.image === undefined ? undefined : await embedQueryImage(deps, index, req.image, c.req.raw.signal);
    const imageMs = performance.now() - t0;
    // Query understanding: filters, exclusions and boosts read out of the query text (explicit filters win).
    const option = req.understand;
    let plan: QueryPlan | undefined =
      option !== false && req.query.trim()
        ? await planSearch(understanding, {
            index,
            query: req.query,
            filters: req.filters,
            signal: c.req.raw.signal,
            ...(typeof option === 'object' ? { ignore: option.ignore, parser: option.parser } : {}),
          })
        : undefined;
    const retrieveWith = (p: QueryPlan | undefined) =>
      firstStage({
        client: es,
        pool,
        queryEmbedder: deps.queryEmbedder,
        index,
        query: p ? p.text : req.query,
        ...((p ? p.filters : req.filters) ? { filters: (p ? p.filters : req.filters)! } : {}),
        ...(p?.exclude ? { exclude: p.exclude } : {}),
        window,
        rrfK: config.retrieval.rrfK,
        encoders,
        mode: req.mode,
        signal: c.req.raw.signal,
        ...(image ? { image } : {}),
      });
    let fs = await retrieveWith(plan);
    // Nothing matched the understood filters: search again without them, keeping them as preferences.
    if (plan && fs.candidates.length === 0 && planFilters(plan) > 0) {
      plan = relaxPlan(plan, req.filters);
      fs = await retrieveWith(plan);
    }
    const understood = plan ? { ...plan.understood, tookMs: Math.round(plan.understood.tookMs * 1000) / 1000 } : undefined;
    const snippets = req.snippets === true ? 2 : req.snippets === false ? 0 : req.snippets;
    const firstStageTook = { ...(plan ? { understandMs: plan.understood.tookMs } : {}), embeddingMs: fs.took.embeddingMs + imageMs, retrievalMs: fs.took.retrievalMs + fs.took.loadMs };
    const ranksOf = (f: FirstStage | undefined) => ({
      bm25: f?.bm25?.rank ?? null,
      knn: f?.knn?.rank ?? null,
      ...(image ? { image: f?.image?.rank ?? null } : {}),
      fused: f?.fusedRank ?? null,
    });
    const scoresOf = (f: FirstStage | undefined) => ({
      bm25: f?.bm25?.score ?? null,
      knn: f?.knn?.score ?? null,
      ...(image ? { image: f?.image?.score ?? null } : {}),
    });

    if (req.rerank === false) {
      const hits = fs.candidates.slice(0, req.top_k).map((cand) => ({
        id: cand.id,
        score: cand.firstStage?.fusedScore ?? 0,
        ranks: ranksOf(cand.firstStage),
        scores: { ...scoresOf(cand.firstStage), fused: cand.firstStage?.fusedScore ?? null },
        document: cand.doc,
      }));
      return respond(c, SearchResponseSchema, { hits, reranked: false, ...(understood ? { understood } : {}), took: roundAll({ ...firstStageTook, totalMs: elapsedMs(c) }) });
    }

    const result = await rerank(
      { ...deps, textEncoders: encoders, interactionDims: config.retrieval.interactionDims },
      {
        query: req.query,
        candidates: fs.candidates,
        head: req.rerank.head,
        ...(req.rerank.weights ? { weights: req.rerank.weights } : {}),
        explain: req.explain,
        snippets,
        topN: req.top_k,
        queryVectors: fs.queryVectors,
        ...(image ? { queryImage: image } : {}),
        ...(plan ? { understood: { text: plan.text, budget: plan.budget, boosts: plan.boosts } } : {}),
        signal: c.req.raw.signal,
      },
    );
    const hits = result.results.map((r, i) => ({
      id: r.id,
      score: r.score,
      rank: i + 1,
      ranks: ranksOf(r.firstStage),
      scores: { ...scoresOf(r.firstStage), relevance: r.relevance },
      ...(r.contributions ? { contributions: r.contributions, signals: r.signals, features: r.features, ...(r.boosts ? { boosts: r.boosts } : {}) } : {}),
      ...(r.snippets ? { snippets: r.snippets } : {}),
      document: r.doc,
    }));
    return respond(c, SearchResponseSchema, {
      hits,
      reranked: true,
      head: result.head,
      budget: result.budget,
      ...(understood ? { understood } : {}),
      took: roundAll({
        ...firstStageTook,
        featuresMs: result.took.featuresMs + result.took.embeddingMs,
        headsMs: result.took.headMs,
        rerankMs: result.took.rerankMs,
        snippetsMs: result.took.snippetsMs,
        totalMs: elapsedMs(c),
      }),
    });
  });
  return app;
}
