/**
 * `POST /v1/search/dsl`: the Elasticsearch request that does what a `/v1/search` body asks through the query DSL
 * and the `strata` rescorer (see the README's "Using it from the Elasticsearch query DSL"): the same BM25 query
 * and filters the service's first stage sends, then `rescore.strata` over the same window. Built from the code the
 * search route runs, so the copy on the web page cannot drift from it. What the DSL cannot carry is listed in
 * `notes` (the rescorer has no per-request weights; a query image; kNN in the first stage).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../validate.ts';
import { authorizeIndex, defaultIndex } from '../auth.ts';
import { SearchRequestSchema } from './search.ts';
import { bm25Body } from '../../retrieval/hybrid.ts';
import { filterClauses } from '../../retrieval/filters.ts';
import { DEFAULT_WEIGHTS } from '../../rerank/weights.ts';
import { respond } from '../response-schemas.ts';

export const SearchDslResponseSchema = z.object({
  method: z.literal('POST'),
  path: z.string(),
  body: z.record(z.string(), z.unknown()),
  notes: z.array(z.string()),
});

/** The fields the rescorer sends for each hit (the plugin's default). */
const RESCORE_FIELDS = ['title', 'description'];

export function searchDslRoutes({ config }: AppDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const req = await readJson(c, SearchRequestSchema);
    const index = authorizeIndex(c, req.index ?? defaultIndex(c, config.service.index));
    const window = Math.max(req.rerank ? (req.rerank.window ?? req.window ?? config.retrieval.window) : (req.window ?? req.top_k), req.top_k);
    // track_total_hits: false is the service's internal shortcut; a user's search keeps Elasticsearch's default.
    const { track_total_hits: _internal, ...first } = bm25Body(req.query, filterClauses(req.filters), req.top_k);
    const notes: string[] = [];
    if (req.mode !== 'bm25') notes.push(`the first stage here is BM25 alone; /v1/search ${req.mode === 'knn' ? 'uses kNN' : 'fuses BM25 with kNN'} (mode "${req.mode}")`);
    if (req.image !== undefined) notes.push('a query image cannot be sent through the DSL: it is left out');
    let body: Record<string, unknown> = first;
    if (req.rerank !== false && req.query.trim()) {
      const strata: Record<string, unknown> = { query: req.query, head: req.rerank.head, fields: RESCORE_FIELDS, index_name: index, on_failure: 'keep_order', score_mode: 'replace' };
      body = { ...body, rescore: { window_size: window, strata } };
      const changed = Object.entries(req.rerank.weights ?? {}).filter(([s, w]) => w !== DEFAULT_WEIGHTS[s as keyof typeof DEFAULT_WEIGHTS]);
      if (changed.length) {
        notes.push(`the rescorer has no per-request weights: it ranks with the service's defaults, not ${changed.map(([s, w]) => `${s} ${w}`).join(', ')}`);
      }
    } else if (req.rerank !== false) {
      notes.push('the rescorer needs a text query: none is given, so there is no rescore');
    }
    return respond(c, SearchDslResponseSchema, { method: 'POST', path: `/${index}/_search`, body, notes });
  });
  return app;
}
