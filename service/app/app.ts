/**
 * `createApp(deps)` builds the HTTP app: the request log and metrics around everything, API keys and a body-size
 * limit on the API routes (`/v1`, `/v2`), one sub-app per resource, and one error handler that turns every error
 * into `{ "error": { "code", "message", "details" } }`. A request whose client went away is answered (and counted)
 * as `aborted` (499), whatever error its cancelled work surfaced as.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps } from './deps.ts';
import { healthRoutes } from './routes/health.ts';
import { documentRoutes } from './routes/documents.ts';
import { searchRoutes } from './routes/search.ts';
import { rerankRoutes } from './routes/rerank.ts';
import { classifyRoutes } from './routes/classify.ts';
import { modelRoutes } from './routes/models.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { reportRoutes } from './routes/reports.ts';
import { searchDslRoutes } from './routes/search-dsl.ts';
import { webRoutes } from './routes/web.ts';
import { apiKeyAuth, parseApiKeys } from './auth.ts';
import { createMetrics } from './metrics.ts';
import { limitInFlight } from './middleware/in-flight.ts';
import { refuseCrossSiteWrites } from './middleware/same-origin.ts';
import { decodeBody } from './middleware/body-encoding.ts';
import { checkJsonBody } from './middleware/json-body.ts';
import { requestScope } from './middleware/request-scope.ts';
import { redactor } from './redact.ts';
import { requestLog } from './request-log.ts';
import type { ErrorResponseSchema } from './response-schemas.ts';
import type { z } from 'zod';
import { StrataError, strataError } from '../errors.ts';
import { createIndexTuningStore } from '../retrieval/tuning-store.ts';
import { createVocabularyCache } from '../query/vocabulary-cache.ts';
import { createLlmParser } from '../query/llm-parser.ts';

/** The repository root (this file is `<root>/service/app/app.ts`), kept out of tenants' error messages. */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** How deep a request body may nest: documents need 4 levels (body.documents[i].attributes.x). */
export const MAX_JSON_DEPTH = 32;

/** The JSON body and status for any error (exported for tests). */
export function errorResponse(err: unknown): { status: number; body: z.output<typeof ErrorResponseSchema> } {
  const e = err instanceof StrataError ? err : strataError('internal', { reason: err instanceof Error ? err.message : String(err) });
  return {
    status: e.status,
    body: { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } },
  };
}

/**
 * Builds the app; tests call `app.request()` in-process, `start()` serves it.
 *
 * @example const app = createApp({ config, es, pool }); const res = await app.request('/healthz');
 */
export function createApp(given: AppDeps): Hono {
  const { llm } = given.config.understanding;
  const deps: AppDeps = {
    ...given,
    vocabularies: given.vocabularies ?? createVocabularyCache(given.es, { checkIntervalMs: given.config.understanding.vocabularyCheckMs }),
    llm: given.llm ?? (llm ? createLlmParser(llm) : undefined),
    tuning: given.tuning ?? createIndexTuningStore({ client: given.es, adaptersDir: path.join(given.config.headsDir, 'adapters') }),
  };
  const app = new Hono();
  const metrics = createMetrics(deps.pool, deps.documentEmbedder ? { documents: deps.documentEmbedder } : {});
  const { service } = deps.config;
  app.use(requestLog({ format: deps.config.log.format, enabled: deps.config.log.requests, ...(deps.log ? { write: deps.log } : {}) }));
  app.use(metrics.middleware);
  const auth = apiKeyAuth(parseApiKeys(service.apiKeys));
  const limit = bodyLimit({
    maxSize: service.maxBodyBytes,
    onError: () => {
      throw strataError('payload_too_large', { reason: `the body exceeds ${service.maxBodyBytes} bytes` });
    },
  });
  const inFlight = limitInFlight(service.maxInFlight);
  const sameOrigin = refuseCrossSiteWrites({ allowedOrigins: service.allowedOrigins, listenHost: service.host });
  const decode = decodeBody({ maxBytes: service.maxBodyBytes });
  const json = checkJsonBody({ maxDepth: MAX_JSON_DEPTH });
  const scope = requestScope({ requestMs: deps.config.pool.requestMs });
  // Cheapest refusals first: a full server, a cross-site write, a missing key, an oversized (before and after
  // decompression) or malformed body;
  // then the request's tenant, fair-share owner and encoder-time budget for everything below.
  for (const api of ['/v1/*', '/v2/*']) app.use(api, inFlight, sameOrigin, auth, limit, decode, json, scope);
  // A write through the service changes the index's vocabulary: it is rebuilt in the background on next use.
  app.use('/v1/indices/:name/*', async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.res.status < 400) deps.vocabularies!.invalidate(c.req.param('name'));
  });
  app.route('/', healthRoutes(deps));
  app.route('/v1/indices', documentRoutes(deps));
  app.route('/v1/indices', catalogRoutes(deps));
  app.route('/v1/search/dsl', searchDslRoutes(deps));
  app.route('/v1/search', searchRoutes(deps));
  app.route('/v1/rerank', rerankRoutes(deps, '1'));
  app.route('/v2/rerank', rerankRoutes(deps, '2'));
  app.route('/v1/classify', classifyRoutes(deps));
  app.route('/v1/models', modelRoutes(deps));
  app.route('/openapi.json', openApiRoutes());
  app.route('/v1/reports', reportRoutes(deps));
  // The web page: GET / and /assets/* (service/web).
  app.route('/', webRoutes(deps));
  app.get('/metrics', async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  app.notFound((c) => {
    const { status, body } = errorResponse(strataError('not_found', { what: `route ${c.req.method} ${c.req.path}` }));
    return c.json(body, status as 404);
  });
  const redact = redactor([
    [deps.config.modelsDir, '<models>'],
    [deps.config.headsDir, '<heads>'],
    [deps.config.cacheDir, '<cache>'],
    [REPO_ROOT, '<strata>'],
  ]);
  app.onError((thrown, c) => {
    // Cancelled work fails in many ways (the ES client's RequestAbortedError, a pool task, a half-read body):
    // once the client is gone, it is one outcome, not a 502 and not an Elasticsearch error.
    const err = c.req.raw.signal.aborted ? strataError('aborted') : thrown;
    const answer = errorResponse(err);
    // Administrators see server paths in errors; tenants (and callers not yet authenticated) do not.
    const { status, body } = c.get('tenant') === '*' ? answer : redact(answer);
    if (status === 503) c.header('Retry-After', '1');
    if (status >= 500 && !(err instanceof StrataError)) console.error(err);
    if (err instanceof StrataError && err.code.startsWith('es_')) metrics.esError(err.code);
    return c.json(body, status as 500);
  });
  return app;
}
