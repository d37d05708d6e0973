/**
 * `helpers.bulk` that survives Elasticsearch going away: when a bulk request fails as a whole (connection
 * refused or reset, timeout, 502/503/504), the helper stops; this waits with exponential backoff and starts it
 * again, first re-sending the documents that were handed over but never answered (indexing by id makes that
 * safe), then carrying on with the same source. It gives up after `retryForMs` without an answer. Every document
 * is answered exactly once through `onIndexed` / `onDropped` (a late duplicate answer is ignored), and the time
 * spent in bulk requests is measured from the client's own request events.
 */
import { errors, type Client } from '@elastic/elasticsearch';
import type { EsDoc } from './embed-batch.ts';

export interface ResilientBulkOptions {
  client: Client;
  index: string;
  flushBytes?: number;
  concurrency?: number;
  refresh?: boolean | 'wait_for';
  /** How long to keep retrying while Elasticsearch does not answer (0: fail at once, as `helpers.bulk` does). */
  retryForMs?: number;
  onIndexed(doc: EsDoc): void;
  onDropped(doc: EsDoc, status: number, error: string): void;
  /** Called before each wait, with the attempt number and the error. */
  onRetry?(attempt: number, waitMs: number, err: unknown): void;
  signal?: AbortSignal;
}

/** Whether a bulk failure is Elasticsearch being away (worth waiting for), not a refusal. */
export function isTransient(err: unknown): boolean {
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) return true;
  if (err instanceof errors.ResponseError) return [429, 502, 503, 504].includes(err.meta.statusCode ?? 0);
  return false;
}

/**
 * Sends every document of `source`; resolves with the retry count and the time spent in bulk requests, rejects
 * with the last error when Elasticsearch stays away longer than `retryForMs` (or refuses the request itself).
 *
 * @example await resilientBulk(docs(), { client, index: 'products', onIndexed, onDropped, retryForMs: 300_000 });
 */
export async function resilientBulk(source: AsyncIterable<EsDoc>, options: ResilientBulkOptions): Promise<{ retries: number; bulkMs: number }> {
  const { client, index, retryForMs = 0 } = options;
  const iterator = source[Symbol.asyncIterator]();
  // Handed to the helper and not answered yet, by id (the helper answers with a copy of the document).
  const unanswered = new Map<string, EsDoc[]>();
  const answer = (id: string): EsDoc | undefined => {
    const docs = unanswered.get(id);
    const doc = docs?.shift();
    if (docs && docs.length === 0) unanswered.delete(id);
    return doc;
  };
  const timer = bulkTimer(client);
  let retries = 0;
  // Consecutive failed attempts since Elasticsearch last answered anything (the backoff exponent).
  let streak = 0;
  let lastAnswer = Date.now();
  const answered = () => {
    lastAnswer = Date.now();
    streak = 0;
  };
  try {
    for (;;) {
      const resend = [...unanswered.values()].flat();
      unanswered.clear();
      // A fresh generator per attempt: the helper may close it, but never the shared source iterator.
      const feed = async function* (): AsyncGenerator<EsDoc> {
        for (const doc of resend) yield track(doc);
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield track(next.value);
        }
      };
      const track = (doc: EsDoc) => {
        unanswered.set(doc.id, [...(unanswered.get(doc.id) ?? []), doc]);
        return doc;
      };
      try {
        const result = await client.helpers.bulk<EsDoc>({
          datasource: feed(),
          onDocument: (doc) => ({ index: { _index: index, _id: doc.id } }),
          onDrop: (drop) => {
            const doc = answer(drop.document.id);
            if (!doc) return;
            answered();
            const error = drop.error as { type?: string; reason?: string } | null;
            options.onDropped(doc, drop.status, error ? `${error.type ?? 'error'}: ${error.reason ?? ''}` : 'unknown error');
          },
          onSuccess: ({ document }) => {
            const doc = answer((document as EsDoc | undefined)?.id ?? '');
            if (!doc) return;
            answered();
            options.onIndexed(doc);
          },
          flushBytes: options.flushBytes ?? 5_000_000,
          concurrency: options.concurrency ?? 2,
          retries: 2,
          // `wait_for` goes on every bulk request (each returns once its documents are searchable).
          ...(options.refresh === 'wait_for' ? { refresh: 'wait_for' as const } : {}),
          refreshOnCompletion: options.refresh === true ? index : false,
        });
        if (result.aborted) throw new Error('bulk indexing was aborted');
        return { retries, bulkMs: timer.ms() };
      } catch (err) {
        // Give up only after `retryForMs` in which Elasticsearch answered nothing at all.
        const silentMs = Date.now() - lastAnswer;
        if (options.signal?.aborted || !isTransient(err) || silentMs >= retryForMs) throw err;
        retries++;
        const waitMs = Math.max(0, Math.min(30_000, 250 * 2 ** Math.min(streak++, 7), retryForMs - silentMs));
        options.onRetry?.(retries, waitMs, err);
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  } finally {
    timer.stop();
  }
}

/** Milliseconds during which at least one `_bulk` request of this client was outstanding. */
function bulkTimer(client: Client) {
  const started = new Map<unknown, number>();
  let busyMs = 0;
  let openedAt = 0;
  const onRequest = (err: unknown, result: { meta?: { request?: { id?: unknown; params?: { path?: string } } } } | null) => {
    const req = result?.meta?.request;
    if (err || !req?.params?.path?.endsWith('/_bulk')) return;
    if (started.size === 0) openedAt = performance.now();
    started.set(req.id, performance.now());
  };
  const onResponse = (_err: unknown, result: { meta?: { request?: { id?: unknown } } } | null) => {
    const id = result?.meta?.request?.id;
    if (!started.delete(id)) return;
    if (started.size === 0) busyMs += performance.now() - openedAt;
  };
  client.diagnostic.on('request', onRequest as never);
  client.diagnostic.on('response', onResponse as never);
  return {
    ms: () => busyMs + (started.size ? performance.now() - openedAt : 0),
    stop() {
      client.diagnostic.off('request', onRequest as never);
      client.diagnostic.off('response', onResponse as never);
    },
  };
}
