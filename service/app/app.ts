/**
 * `createApp(deps)` builds the HTTP app: one sub-app per resource, a body-size limit, and one error handler that
 * turns every error into `{ "error": { "code", "message", "details" } }`.
 */
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
import { StrataError, strataError } from '../errors.ts';

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
  app.use(metrics.middleware);
  app.use('/v1/*', apiKeyAuth(parseApiKeys(deps.config.service.apiKeys)));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: deps.config.service.maxBodyBytes,
      onError: () => {
        throw strataError('payload_too_large', { reason: `the body exceeds ${deps.config.service.maxBodyBytes} bytes` });
      },
    }),
  );
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
  app.onError((err, c) => {
    const { status, body } = errorResponse(err);
    if (status === 503) c.header('Retry-After', '1');
    if (status >= 500 && !(err instanceof StrataError)) console.error(err);
    if (err instanceof StrataError && err.code.startsWith('es_')) metrics.esError(err.code);
    return c.json(body, status as 500);
  });
  return app;
}
