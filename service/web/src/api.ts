/**
 * Calls to the service: same origin only (relative paths), JSON bodies always sent as `application/json`, the key
 * in the Authorization header. A failed call throws `ApiError` carrying the API's `{ error: { code, message,
 * details } }` as it came, so the page shows what the API said.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  key?: string;
  signal?: AbortSignal;
}

function headers(key: string | undefined, json: boolean): Headers {
  const h = new Headers({ accept: 'application/json' });
  if (json) h.set('content-type', 'application/json');
  if (key) h.set('authorization', `Bearer ${key}`);
  return h;
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (error?.message) return new ApiError(res.status, error.code ?? 'error', error.message, error.details);
  } catch {
    // not JSON: shown as text below
  }
  return new ApiError(res.status, 'http_error', text.trim() || res.statusText || `HTTP ${res.status}`);
}

/** A raw response (for images); throws ApiError when not OK. */
export async function fetchOk(path: string, { method = 'GET', body, key, signal }: CallOptions = {}): Promise<Response> {
  if (!path.startsWith('/')) throw new Error(`same-origin paths only: ${path}`);
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: headers(key, body !== undefined),
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', `the service did not answer: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) throw await failure(res);
  return res;
}

/**
 * A JSON call.
 *
 * @example const models = await api<Models>('/v1/models', { key });
 */
export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const res = await fetchOk(path, options);
  return (await res.json()) as T;
}

/** Whether an error is an aborted request (superseded by a newer one): not shown. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
