/**
 * A bound on HTTP requests served at once: past it, a request is answered 503 `overloaded` with `Retry-After`
 * at once, instead of joining a queue where it would wait for tens of seconds and time out anyway.
 */
import type { MiddlewareHandler } from 'hono';
import { strataError } from '../../errors.ts';

/**
 * Middleware admitting at most `max` requests at a time.
 *
 * @example app.use('/v1/*', limitInFlight(64));
 */
export function limitInFlight(max: number): MiddlewareHandler & { inFlight(): number } {
  let inFlight = 0;
  const middleware: MiddlewareHandler = async (_c, next) => {
    if (inFlight >= max) throw strataError('overloaded', { limit: max });
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
  return Object.assign(middleware, { inFlight: () => inFlight });
}
