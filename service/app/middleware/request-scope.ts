/**
 * Makes the request's tenant, fair-share owner and encoder-time budget the current request context (see
 * service/request-context.ts) for everything the route calls.
 */
import type { MiddlewareHandler } from 'hono';
import { runInRequestContext } from '../../request-context.ts';

/**
 * Middleware; runs after authentication (it reads `tenant` and `owner`).
 *
 * @example app.use('/v1/*', requestScope({ requestMs: 60_000 }));
 */
export function requestScope({ requestMs }: { requestMs: number }): MiddlewareHandler {
  return (c, next) =>
    runInRequestContext({ tenant: c.get('tenant') ?? '*', owner: c.get('owner') ?? 'local', budget: { usedMs: 0, limitMs: requestMs } }, () => next());
}
