/**
 * API keys and tenants. `STRATA_API_KEYS` is a comma-separated list of `key:tenant` pairs; tenant `*`, or a bare
 * key without a tenant, is an administrator (that is what the Elasticsearch plugin's key should be). With no keys
 * configured, authentication is off (the local default on loopback). A tenant may only touch the indices it owns:
 * `<tenant>` and `<tenant>--<name>` (see service/tenants.ts for why `--`).
 */
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { strataError } from '../errors.ts';
import { ownsName, TENANT_PATTERN, tenantName } from '../tenants.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /** The caller's tenant; `*` when authentication is off or the key is an administrator's. */
    tenant: string;
    /** Who the encoder pool shares its workers fairly between: the tenant, or one administrator key. */
    owner: string;
  }
}

/**
 * Parses `key:tenant,key2:tenant2` into a map; a bad entry is named by its position, never by its text.
 *
 * @example parseApiKeys('k1-secret:acme,k2-secret').get('k2-secret') // '*'
 */
export function parseApiKeys(spec: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  const entries = (spec ?? '').split(',').map((s) => s.trim());
  const count = entries.filter(Boolean).length;
  let position = 0;
  for (const entry of entries) {
    if (!entry) continue;
    position++;
    const i = entry.lastIndexOf(':');
    const key = i < 0 ? entry : entry.slice(0, i);
    const tenant = i < 0 ? '*' : entry.slice(i + 1);
    const where = `STRATA_API_KEYS: entry ${position} of ${count}`;
    if (i === 0 || key.length < 8) throw new Error(`${where} must be key or key:tenant with a key of 8+ characters`);
    if (tenant !== '*' && !TENANT_PATTERN.test(tenant)) {
      throw new Error(`${where} has an invalid tenant: lower-case letters, digits and _ in words joined by single "-" (no "--"), or *`);
    }
    if (keys.has(key)) throw new Error(`${where} repeats the key of an earlier entry`);
    keys.set(key, tenant);
  }
  return keys;
}

/** Middleware: resolves the tenant from `Authorization: Bearer <key>` or `x-api-key`. */
export function apiKeyAuth(keys: Map<string, string>): MiddlewareHandler {
  return async (c, next) => {
    if (keys.size === 0) {
      c.set('tenant', '*');
      c.set('owner', 'local');
      return next();
    }
    const header = c.req.header('authorization');
    const key = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : c.req.header('x-api-key');
    const tenant = key ? keys.get(key) : undefined;
    if (!tenant || !key) throw strataError('unauthorized');
    c.set('tenant', tenant);
    // Administrators are many callers (the plugin, operators): each key gets its own fair share.
    c.set('owner', tenant === '*' ? `admin:${createHash('sha256').update(key).digest('hex').slice(0, 8)}` : tenant);
    return next();
  };
}

/**
 * Throws 403 unless the caller's tenant owns `index`.
 *
 * @example authorizeIndex(c, 'acme--products'); // ok for tenant acme, 403 for tenant acme-corp
 */
export function authorizeIndex(c: Context, index: string): string {
  const tenant = c.get('tenant') ?? '*';
  if (ownsName(tenant, index)) return index;
  throw strataError('forbidden', { reason: `tenant "${tenant}" may not use index "${index}" (its indices are "${tenant}" or "${tenant}--*")` });
}

/** The index a request uses when it names none: the configured one, or `<tenant>--<configured>` for a tenant. */
export function defaultIndex(c: Context, configured: string): string {
  return tenantName(c.get('tenant') ?? '*', configured);
}
