/**
 * `POST /v1/search`: hybrid first-stage retrieval with typed filters. Every hit carries its BM25 and kNN
 * score and rank and its fused rank, and the response a `took` breakdown.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../validate.ts';
import { FiltersSchema } from '../../retrieval/filters.ts';
import { retrieve } from '../../retrieval/hybrid.ts';
import { IndexNameSchema } from './documents.ts';

export const SearchRequestSchema = z.object({
  query: z.string().max(4096),
  index: IndexNameSchema.optional(),
  filters: FiltersSchema.optional(),
  top_k: z.number().int().min(1).max(1000).default(10),
  mode: z.enum(['hybrid', 'bm25', 'knn']).default('hybrid'),
  window: z.number().int().min(1).max(1000).optional(),
});

export function searchRoutes({ es, pool, config }: AppDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const started = performance.now();
    const req = await readJson(c, SearchRequestSchema);
    const result = await retrieve({
      client: es,
      pool,
      index: req.index ?? config.service.index,
      query: req.query,
      ...(req.filters ? { filters: req.filters } : {}),
      window: Math.max(req.window ?? config.retrieval.window, req.top_k),
      rrfK: config.retrieval.rrfK,
      encoder: config.retrieval.textEncoders[0]!,
      mode: req.mode,
      signal: c.req.raw.signal,
    });
    const hits = result.candidates.slice(0, req.top_k).map((cand) => ({
      id: cand.id,
      score: cand.fusedScore,
      ranks: { bm25: cand.bm25?.rank ?? null, knn: cand.knn?.rank ?? null, fused: cand.fusedRank },
      scores: { bm25: cand.bm25?.score ?? null, knn: cand.knn?.score ?? null, fused: cand.fusedScore },
      document: cand.source,
    }));
    const took = {
      embedding: round(result.took.embeddingMs),
      retrieval: round(result.took.retrievalMs),
      total: round(performance.now() - started),
    };
    return c.json({ hits, took });
  });
  return app;
}

const round = (ms: number) => Math.round(ms * 100) / 100;
