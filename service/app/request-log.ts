/**
 * The request log: one line per request with method, route, status, duration and request id, as text (for people)
 * or JSON (for log pipelines). The request id comes from Hono's `requestId` middleware (the caller's
 * `x-request-id` when it is a plain token, else a new UUID; sent back in the same header). A client that went away
 * before its answer is logged (and counted in the metrics) with status 499, nginx's "client closed request",
 * whatever the handler produced. Hono's own `logger` writes two text lines per request and knows no JSON, no ids
 * and no 499, hence this one.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import { every } from 'hono/combine';
import { matchedRoutes } from 'hono/route';

declare module 'hono' {
  interface ContextVariableMap {
    /** `performance.now()` when the app first saw the request: the start of every `took.totalMs`. */
    startedAt: number;
  }
}

export interface RequestLogOptions {
  format: 'text' | 'json';
  /** Write a line per request (the id header and timings are kept either way). */
  enabled: boolean;
  /** Where lines go (default: stdout). */
  write?: (line: string) => void;
}

/** Status a request ended with as the client saw it: 499 when the client disconnected first. */
export function outcomeStatus(c: Context): number {
  return c.req.raw.signal.aborted ? 499 : c.res.status;
}

/**
 * The route pattern whose handler answered (e.g. `/v1/indices/:name/documents`), or `unmatched` when none did
 * (middleware, mounted for every method, does not count).
 *
 * @example routeOf(c) // '/v1/rerank'
 */
export function routeOf(c: Context): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return handlers.at(-1)?.path ?? 'unmatched';
}

/**
 * Milliseconds since the request arrived (from the request-log middleware's clock).
 *
 * @example took.totalMs = elapsedMs(c);
 */
export function elapsedMs(c: Context): number {
  return performance.now() - (c.get('startedAt') ?? performance.now());
}

/**
 * Formats one log line.
 *
 * @example formatRequestLine('text', { method: 'GET', route: '/healthz', path: '/healthz', status: 200, durationMs: 1.2, requestId: 'abc' })
 *   // '2025-01-01T00:00:00.000Z GET /healthz 200 1.2ms id=abc'
 */
export function formatRequestLine(
  format: 'text' | 'json',
  r: { method: string; route: string; path: string; status: number; durationMs: number; requestId: string },
  now = new Date(),
): string {
  const durationMs = Math.round(r.durationMs * 10) / 10;
  if (format === 'json') {
    return JSON.stringify({ time: now.toISOString(), msg: 'request', method: r.method, route: r.route, path: r.path, status: r.status, duration_ms: durationMs, request_id: r.requestId });
  }
  const path = r.path === r.route ? '' : ` (${r.path})`;
  return `${now.toISOString()} ${r.method} ${r.route}${path} ${r.status} ${durationMs}ms id=${r.requestId}`;
}

/**
 * The middleware; mount it first so its clock and id cover everything else.
 *
 * @example app.use(requestLog({ format: 'json', enabled: true }));
 */
export function requestLog({ format, enabled, write = (line) => process.stdout.write(`${line}\n`) }: RequestLogOptions): MiddlewareHandler {
  const log: MiddlewareHandler = async (c, next) => {
    const startedAt = performance.now();
    c.set('startedAt', startedAt);
    await next();
    if (!enabled) return;
    const line = { method: c.req.method, route: routeOf(c), path: c.req.path, status: outcomeStatus(c), durationMs: performance.now() - startedAt, requestId: c.get('requestId') };
    write(formatRequestLine(format, line));
  };
  return every(log, requestId({ limitLength: 128 }));
}
