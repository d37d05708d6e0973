/**
 * `createApp(deps)` builds the HTTP app: one sub-app per resource, a body-size limit, and one error handler that
 * turns every error into `{ "error": { "code", "message", "details" } }`.
 */
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
import { checkJsonBody } from './middleware/json-body.ts';
import { requestScope } from './middleware/request-scope.ts';
import { redactor } from './redact.ts';
import { StrataError, strataError } from '../errors.ts';

/** The repository root (this file is `<root>/service/app/app.ts`), kept out of tenants' error messages. */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** How deep a request body may nest: documents need 4 levels (body.documents[i].attributes.x). */
export const MAX_JSON_DEPTH = 32;

/** The JSON body and status for any error (exported for tests). */
export function errorResponse(err: unknown): { status: number; body: { error: { code: string; message: string; details?: unknown } } } {
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
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const metrics = createMetrics(deps.pool);
  const { service } = deps.config;
  app.use(metrics.middleware);
  // Cheapest refusals first: a full server, a cross-site write, a missing key, an oversized or malformed body.
  app.use('/v1/*', limitInFlight(service.maxInFlight));
  app.use('/v1/*', refuseCrossSiteWrites({ allowedOrigins: service.allowedOrigins, listenHost: service.host }));
  app.use('/v1/*', apiKeyAuth(parseApiKeys(service.apiKeys)));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: service.maxBodyBytes,
      onError: () => {
        throw strataError('payload_too_large', { reason: `the body exceeds ${service.maxBodyBytes} bytes` });
      },
    }),
  );
  app.use('/v1/*', checkJsonBody({ maxDepth: MAX_JSON_DEPTH }));
  app.use('/v1/*', requestScope({ requestMs: deps.config.pool.requestMs }));
  app.route('/', healthRoutes(deps));
  app.route('/v1/indices', documentRoutes(deps));
  app.route('/v1/indices', catalogRoutes(deps));
  app.route('/v1/search/dsl', searchDslRoutes(deps));
  app.route('/v1/search', searchRoutes(deps));
  app.route('/v1/rerank', rerankRoutes(deps));
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
  app.onError((err, c) => {
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
