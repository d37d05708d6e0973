/**
 * `POST /v1/search`: hybrid first-stage retrieval with typed filters, then (unless `rerank: false`) the head and
 * the metadata-aware reranker over the top window, with snippets. Every hit carries its first-stage ranks, final
 * score and contributions; the response a `took` breakdown by stage.
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

export const SearchRequestSchema = z
  .object({
    query: z.string().max(4096),
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
  })
  .strict();

export function searchRoutes(deps: AppDeps): Hono {
  const { es, pool, config } = deps;
  const app = new Hono();
  app.post('/', async (c) => {
    const started = performance.now();
    const req = await readJson(c, SearchRequestSchema);
    const index = authorizeIndex(c, req.index ?? defaultIndex(c, config.service.index));
    const window = Math.max(req.rerank ? (req.rerank.window ?? req.window ?? config.retrieval.window) : (req.window ?? req.top_k), req.top_k);
    const encoders = config.retrieval.textEncoders;
    const fs = await firstStage({
      client: es,
      pool,
      queryEmbedder: deps.queryEmbedder,
      index,
      query: req.query,
      ...(req.filters ? { filters: req.filters } : {}),
      window,
      rrfK: config.retrieval.rrfK,
      encoders,
      mode: req.mode,
      signal: c.req.raw.signal,
    });
    const snippets = req.snippets === true ? 2 : req.snippets === false ? 0 : req.snippets;
    const firstStageTook = { embeddingMs: fs.took.embeddingMs, retrievalMs: fs.took.retrievalMs + fs.took.loadMs };

    if (req.rerank === false) {
      const hits = fs.candidates.slice(0, req.top_k).map((cand) => ({
        id: cand.id,
        score: cand.firstStage?.fusedScore ?? 0,
        ranks: { bm25: cand.firstStage?.bm25?.rank ?? null, knn: cand.firstStage?.knn?.rank ?? null, fused: cand.firstStage?.fusedRank ?? null },
        scores: { bm25: cand.firstStage?.bm25?.score ?? null, knn: cand.firstStage?.knn?.score ?? null, fused: cand.firstStage?.fusedScore ?? null },
        document: cand.doc,
      }));
      return c.json({ hits, reranked: false, took: roundAll({ ...firstStageTook, totalMs: performance.now() - started }) });
    }

    const result = await rerank(
      { ...deps, textEncoders: encoders },
      {
        query: req.query,
        candidates: fs.candidates,
        head: req.rerank.head,
        ...(req.rerank.weights ? { weights: req.rerank.weights } : {}),
        explain: req.explain,
        snippets,
        topN: req.top_k,
        queryVectors: fs.queryVectors,
        signal: c.req.raw.signal,
      },
    );
    const hits = result.results.map((r, i) => ({
      id: r.id,
      score: r.score,
      rank: i + 1,
      ranks: { bm25: r.firstStage?.bm25?.rank ?? null, knn: r.firstStage?.knn?.rank ?? null, fused: r.firstStage?.fusedRank ?? null },
      scores: { bm25: r.firstStage?.bm25?.score ?? null, knn: r.firstStage?.knn?.score ?? null, relevance: r.relevance },
      ...(r.contributions ? { contributions: r.contributions, signals: r.signals, features: r.features } : {}),
      ...(r.snippets ? { snippets: r.snippets } : {}),
      document: r.doc,
    }));
    return c.json({
      hits,
      reranked: true,
      head: result.head,
      budget: result.budget,
      took: roundAll({
        ...firstStageTook,
        featuresMs: result.took.featuresMs + result.took.embeddingMs,
        headsMs: result.took.headMs,
        rerankMs: result.took.rerankMs,
        snippetsMs: result.took.snippetsMs,
        totalMs: performance.now() - started,
      }),
    });
  });
  return app;
}
