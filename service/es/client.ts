/**
 * The Elasticsearch client and its failures mapped onto the error catalogue: not running -> `es_unavailable`
 * (naming the URL and `strata es start`), timeout -> `es_timeout`, a request aborted by its signal -> `aborted`, a
 * missing index -> `not_found`, anything else -> `es_error` with ES's reason.
 */
import { Client, errors } from '@elastic/elasticsearch';
import { strataError, StrataError } from '../errors.ts';

export interface EsOptions {
  url: string;
  timeoutMs?: number;
  auth?: { username: string; password: string } | { apiKey: string };
}

/**
 * Builds a client for one node or cluster URL.
 *
 * @example const es = createEsClient({ url: 'http://127.0.0.1:9200' });
 */
export function createEsClient({ url, timeoutMs = 30_000, auth }: EsOptions): Client {
  return new Client({ node: url, requestTimeout: timeoutMs, maxRetries: 1, ...(auth ? { auth } : {}) });
}

/** The URL a client talks to (for error messages). */
export function clientUrl(client: Client): string {
  const conn = client.connectionPool.connections[0];
  return conn ? conn.url.toString().replace(/\/$/, '') : 'Elasticsearch';
}

interface EsErrorBody {
  type?: string;
  reason?: string | null;
  index?: string;
  root_cause?: Array<{ type?: string; reason?: string | null; index?: string }>;
  caused_by?: { type?: string; reason?: string | null };
}

/** Fields of the product mapping a caller can filter on (a reason's brackets also hold values: only these count). */
const FILTER_FIELDS = new Set(['price', 'rating', 'review_count', 'release_date', 'category', 'brand', 'currency', 'tenant', 'id']);

/** The request field an Elasticsearch refusal is about: a known field named in its reason, else the caller's guess. */
function fieldOf(reason: string, fallback: string): string {
  for (const [, name] of reason.matchAll(/\[([\w.-]+)\]/g)) {
    const field = name!.replace(/\.raw$/, '');
    if (FILTER_FIELDS.has(field) || field.startsWith('attributes.')) return `filters.${field}`;
  }
  return fallback;
}

/**
 * Maps an Elasticsearch error body and status onto the catalogue: a missing index is a 404 naming it; a request
 * Elasticsearch refused as malformed (4xx: a value it cannot parse, a prefix or id list over its limits) is a
 * 400 naming the field (`path` when the reason names none); anything else is `es_error` (502).
 *
 * @example throw esFailure(item.error, item.status, { what: 'BM25 search', path: 'filters' });
 */
export function esFailure(error: EsErrorBody | undefined, status: number | undefined, { what = '', path = '(request)' }: { what?: string; path?: string } = {}): StrataError {
  const root = error?.root_cause?.[0];
  const reason = root?.reason ?? error?.caused_by?.reason ?? error?.reason ?? error?.type ?? 'unknown error';
  const type = root?.type ?? error?.type ?? '';
  if (type === 'index_not_found_exception' || error?.type === 'index_not_found_exception') {
    const index = root?.index ?? error?.index ?? /\[([^\]]+)\]/.exec(reason)?.[1] ?? '?';
    return strataError('not_found', { what: `index "${index}"` }, { issues: [{ path: 'index', message: `no index or alias "${index}"` }] });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 408) {
    const field = fieldOf(reason, path);
    const message = `Elasticsearch refused it: ${reason}`.slice(0, 500);
    return strataError('validation', { summary: `${field}: ${message}` }, { issues: [{ path: field, message }] });
  }
  return strataError('es_error', { reason: `${what ? `${what} failed: ` : ''}${error?.type ?? status ?? ''}: ${reason}` }, status ? { status } : undefined);
}

/**
 * Turns a client error into a catalogued `StrataError`.
 *
 * @example try { await es.search(...) } catch (e) { throw mapEsError(e, url) }
 */
export function mapEsError(err: unknown, url: string, context: { what?: string; path?: string } = {}): StrataError {
  if (err instanceof StrataError) return err;
  // The request's AbortSignal fired (its client went away): not an Elasticsearch failure.
  if (err instanceof errors.RequestAbortedError) return strataError('aborted');
  if (err instanceof errors.ConnectionError) {
    return strataError('es_unavailable', { url, reason: err.message.replace(/\s+/g, ' ').slice(0, 200) });
  }
  if (err instanceof errors.TimeoutError) return strataError('es_timeout', { url, reason: err.message });
  if (err instanceof errors.ResponseError) {
    const body = err.meta.body as { error?: EsErrorBody | string } | undefined;
    const error = typeof body?.error === 'string' ? { reason: body.error } : body?.error;
    return esFailure(error ?? { reason: err.message }, err.meta.statusCode, context);
  }
  return strataError('es_error', { reason: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs one client call with errors mapped.
 *
 * @example const res = await esCall(es, (c) => c.count({ index: 'products' }));
 */
export async function esCall<T>(client: Client, call: (c: Client) => Promise<T>): Promise<T> {
  try {
    return await call(client);
  } catch (err) {
    throw mapEsError(err, clientUrl(client));
  }
}

/** Throws `es_unavailable` unless the cluster answers its health endpoint (`GET /` does not exist in the test zip). */
export async function checkEs(client: Client): Promise<{ status: string }> {
  const health = await esCall(client, (c) => c.cluster.health({}, { requestTimeout: 5_000 }));
  return { status: String(health.status) };
}
