/**
 * The request a piece of work belongs to, carried through async calls with `AsyncLocalStorage`: who asked (the
 * tenant, and the owner the pool schedules fairly by) and how much encoder time the request has used. The app
 * sets it once per HTTP request; the encoder pool and the head store read it, so use cases deep below the
 * routes need not thread it through every call. Outside a request (CLI, scripts) there is none, and the pool
 * and the head store fall back to their defaults (no budget, administrator).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  /** The caller's tenant; `*` for an administrator or when API keys are off. */
  tenant: string;
  /** Who the pool shares its workers fairly between: the tenant, or one administrator key. */
  owner: string;
  /** Encoder time this request has used, and the most it may use (0: unbounded). */
  budget: { usedMs: number; limitMs: number };
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Runs `fn` with `context` as the current request.
 *
 * @example await runInRequestContext({ tenant: 'acme', owner: 'acme', budget: { usedMs: 0, limitMs: 60_000 } }, next);
 */
export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * The current request, or undefined outside one.
 *
 * @example currentRequest()?.tenant // 'acme'
 */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}
