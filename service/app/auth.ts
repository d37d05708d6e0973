/**
 * API keys and tenants. `STRATA_API_KEYS` is a comma-separated list of `key:tenant` pairs; tenant `*`, or a bare
 * key without a tenant, is an administrator (that is what the Elasticsearch plugin's key should be). With no keys configured, authentication is off (the local default on loopback). A tenant may
 * only touch indices named after it: `<tenant>` or `<tenant>-...`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { strataError } from '../errors.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /** The caller's tenant; `*` when authentication is off or the key is an administrator's. */
    tenant: string;
  }
}

/**
 * Parses `key:tenant,key2:tenant2` into a map; throws naming the bad entry.
 *
 * @example parseApiKeys('k1-secret:acme,k2-secret').get('k2-secret') // '*'
 */
export function parseApiKeys(spec: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  for (const entry of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = entry.lastIndexOf(':');
    const key = i < 0 ? entry : entry.slice(0, i);
    const tenant = i < 0 ? '*' : entry.slice(i + 1);
    if (i === 0 || !tenant || !/^(\*|[a-z0-9][a-z0-9_-]*)$/.test(tenant) || key.length < 8) {
      throw new Error(`STRATA_API_KEYS: entry "${entry.slice(0, 4)}..." must be key or key:tenant with a key of 8+ characters and a lower-case tenant (or *)`);
    }
    keys.set(key, tenant);
  }
  return keys;
}

/** Middleware: resolves the tenant from `Authorization: Bearer <key>` or `x-api-key`. */
export function apiKeyAuth(keys: Map<string, string>): MiddlewareHandler {
  return async (c, next) => {
    if (keys.size === 0) {
      c.set('tenant', '*');
      return next();
    }
    const header = c.req.header('authorization');
    const key = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : c.req.header('x-api-key');
    const tenant = key ? keys.get(key) : undefined;
    if (!tenant) throw strataError('unauthorized');
    c.set('tenant', tenant);
    return next();
  };
}

/**
 * Throws 403 unless the caller's tenant may use `index`.
 *
 * @example authorizeIndex(c, 'acme-products'); // ok for tenant acme
 */
export function authorizeIndex(c: Context, index: string): string {
  const tenant = c.get('tenant') ?? '*';
  if (tenant === '*' || index === tenant || index.startsWith(`${tenant}-`)) return index;
  throw strataError('forbidden', { reason: `tenant "${tenant}" may not use index "${index}" (its indices are "${tenant}" or "${tenant}-*")` });
}

/** The index a request uses when it names none: the configured one, or `<tenant>-<configured>` for a tenant. */
export function defaultIndex(c: Context, configured: string): string {
  const tenant = c.get('tenant') ?? '*';
  return tenant === '*' ? configured : `${tenant}-${configured}`;
}
