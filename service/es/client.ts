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

/**
 * Turns a client error into a catalogued `StrataError`.
 *
 * @example try { await es.search(...) } catch (e) { throw mapEsError(e, url) }
 */
export function mapEsError(err: unknown, url: string): StrataError {
  if (err instanceof StrataError) return err;
  // The request's AbortSignal fired (its client went away): not an Elasticsearch failure.
  if (err instanceof errors.RequestAbortedError) return strataError('aborted');
  if (err instanceof errors.ConnectionError) {
    return strataError('es_unavailable', { url, reason: err.message.replace(/\s+/g, ' ').slice(0, 200) });
  }
  if (err instanceof errors.TimeoutError) return strataError('es_timeout', { url, reason: err.message });
  if (err instanceof errors.ResponseError) {
    const body = err.meta.body as { error?: { type?: string; reason?: string; index?: string; root_cause?: Array<{ reason?: string }> } } | undefined;
    // A missing index is the caller's mistake (404), not Elasticsearch failing (502).
    if (body?.error?.type === 'index_not_found_exception') return strataError('not_found', { what: `index "${body.error.index ?? ''}"` });
    const reason = body?.error?.root_cause?.[0]?.reason ?? body?.error?.reason ?? err.message;
    return strataError('es_error', { reason: `${body?.error?.type ?? err.meta.statusCode}: ${reason}` }, { status: err.meta.statusCode });
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
