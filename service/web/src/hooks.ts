/**
 * Data hooks: `useApi` runs one call per distinct (path, body, key); a newer call supersedes an older one (whose
 * answer is dropped), so a fast-moving slider never lets an old answer overwrite a newer one. Search answers can
 * be cached by body, so views showing the same search share one request.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, isAbort } from './api.ts';

export interface Loaded<T> {
  /** The last answer (kept while a newer call runs, so the page does not flicker). */
  data: T | null;
  error: unknown;
  /** True until the answer to the current inputs has arrived. */
  busy: boolean;
}

const CACHE_SIZE = 30;
const cache = new Map<string, Promise<unknown>>();

function cached<T>(id: string, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(id);
  if (hit) return hit as Promise<T>;
  const p = load();
  cache.set(id, p);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  p.catch(() => cache.delete(id));
  return p;
}

/**
 * Loads `path` (GET, or POST with `body`) whenever its inputs change; a `null` path loads nothing.
 *
 * @example const { data, error, busy } = useApi<Models>('/v1/models', undefined, key);
 */
export function useApi<T>(path: string | null, body: unknown, key: string, { cache: useCache = false } = {}): Loaded<T> {
  const [state, setState] = useState<{ for: string | null; data: T | null; error: unknown }>({ for: null, data: null, error: null });
  const id = path === null ? null : `${key}\u0000${path}\u0000${body === undefined ? '' : JSON.stringify(body)}`;
  const current = useRef<string | null>(null);
  current.current = id;
  useEffect(() => {
    if (path === null || id === null) {
      setState({ for: null, data: null, error: null });
      return;
    }
    const ctl = new AbortController();
    const call = () => api<T>(path, { key, ...(useCache ? {} : { signal: ctl.signal }), ...(body !== undefined ? { method: 'POST' as const, body } : {}) });
    (useCache ? cached(id, call) : call()).then(
      (data) => current.current === id && setState({ for: id, data, error: null }),
      (error: unknown) => !isAbort(error) && current.current === id && setState({ for: id, data: null, error }),
    );
    // A cached call may serve another view, so only uncached calls are aborted.
    return () => ctl.abort();
  }, [id]);
  return { data: state.data, error: state.for === id ? state.error : null, busy: id !== null && state.for !== id };
}
