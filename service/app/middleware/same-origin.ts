/**
 * Cross-site write protection. With API keys off (the local default) any web page the user visits could post to
 * the service; browsers mark such requests (`Origin`, `Sec-Fetch-Site`), so writes (POST, PUT, PATCH, DELETE)
 * are refused unless they come from the service's own origin (its web page), from an origin listed in
 * `STRATA_ALLOWED_ORIGINS`, or from a client that is not a browser (no such headers: curl, SDKs, the plugin).
 * When the service listens on loopback, a write must also name a loopback host (or an allowed origin's), which
 * stops DNS rebinding (a hostile name resolved to 127.0.0.1 is "same origin" by the headers alone).
 */
import type { MiddlewareHandler } from 'hono';
import { strataError } from '../../errors.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LOOPBACK = /^(localhost|[a-z0-9-]+\.localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

export interface SameOriginOptions {
  /** Extra origins allowed to write (`scheme://host[:port]`), or `*` for any. */
  allowedOrigins: readonly string[];
  /** The address the service listens on (a loopback one turns on the Host check). */
  listenHost: string;
}

/** The host name of a `host[:port]` header value. */
function hostname(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d+$/, '');
}

/**
 * Middleware refusing cross-site writes with 403 `cross_origin`.
 *
 * @example app.use('/v1/*', refuseCrossSiteWrites({ allowedOrigins: [], listenHost: '127.0.0.1' }));
 */
export function refuseCrossSiteWrites({ allowedOrigins, listenHost }: SameOriginOptions): MiddlewareHandler {
  const anyOrigin = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins.map((o) => o.toLowerCase()));
  const allowedHosts = new Set(allowedOrigins.flatMap((o) => (URL.canParse(o) ? [new URL(o).hostname.toLowerCase()] : [])));
  const loopbackOnly = LOOPBACK.test(listenHost);
  const refuse = (reason: string) => {
    throw strataError('cross_origin', { reason: `${reason}; writes from other sites are refused (allow an origin with STRATA_ALLOWED_ORIGINS)` });
  };
  return async (c, next) => {
    if (!UNSAFE.has(c.req.method)) return next();
    const host = c.req.header('host');
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    if (host && loopbackOnly && !LOOPBACK.test(hostname(host)) && !allowedHosts.has(hostname(host))) {
      refuse(`Host "${host.slice(0, 100)}" is not this service's loopback address`);
    }
    const originAllowed = origin !== undefined && (anyOrigin || allowed.has(origin.toLowerCase()));
    if (origin !== undefined && !originAllowed) {
      if (origin === 'null') refuse('Origin "null" (a sandboxed or file page)');
      const sameOrigin = URL.canParse(origin) && host !== undefined && new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
      if (!sameOrigin) refuse(`Origin "${origin.slice(0, 100)}" is not this service's origin`);
    }
    if (site !== undefined && site !== 'same-origin' && site !== 'none' && !originAllowed) refuse(`Sec-Fetch-Site is "${site.slice(0, 20)}"`);
    return next();
  };
}
