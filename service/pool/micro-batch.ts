/**
 * Micro-batching: small encode requests that arrive close together (concurrent queries, say) are joined into
 * one pool task of up to `maxItems` inputs, sent at the latest `maxWaitMs` after the first one arrived. One
 * transformer run over 8 queries costs far less than 8 runs of one.
 */
import type { EncodedBatch } from '../encoders/types.ts';
import { strataError } from '../errors.ts';

export interface MicroBatchOptions {
  maxItems?: number;
  maxWaitMs?: number;
}

interface Pending<Tag> {
  inputs: unknown[];
  tag: Tag | undefined;
  resolve(batch: EncodedBatch): void;
  reject(err: unknown): void;
  signal: AbortSignal | undefined;
}

/**
 * The rows `[start, start + count)` of a batch, with their errors re-indexed.
 *
 * @example sliceBatch(batch, 2, 1).count // 1
 */
export function sliceBatch(batch: EncodedBatch, start: number, count: number): EncodedBatch {
  const { dim } = batch;
  return {
    dim,
    count,
    vectors: batch.vectors.slice(start * dim, (start + count) * dim),
    errors: batch.errors.filter((e) => e.index >= start && e.index < start + count).map((e) => ({ index: e.index - start, message: e.message })),
  };
}

/**
 * A signal that aborts once every one of `signals` has (a joined batch is only abandoned when all its callers
 * are gone); undefined when some caller cannot abort.
 *
 * @example allAborted([a.signal, b.signal])?.aborted // false until both a and b abort
 */
export function allAborted(signals: ReadonlyArray<AbortSignal | undefined>): AbortSignal | undefined {
  if (signals.length === 0 || signals.some((s) => s === undefined)) return undefined;
  const all = new AbortController();
  let left = signals.filter((s) => !s!.aborted).length;
  if (left === 0) all.abort();
  for (const s of signals) {
    if (!s!.aborted) s!.addEventListener('abort', () => --left === 0 && all.abort(), { once: true });
  }
  return all.signal;
}

/**
 * A batcher in front of `run` (one pool call per flush). `run` gets the joined inputs, a signal that aborts when
 * every caller in the batch has aborted, and the first caller's tag (the pool passes who asked).
 *
 * @example const b = createMicroBatcher((inputs) => pool.run(inputs), { maxItems: 32, maxWaitMs: 2 });
 *          const one = await b.submit(['a query']);
 */
export function createMicroBatcher<Tag = undefined>(
  run: (inputs: unknown[], batch: { signal: AbortSignal | undefined; tag: Tag | undefined }) => Promise<EncodedBatch>,
  { maxItems = 32, maxWaitMs = 2 }: MicroBatchOptions = {},
) {
  let pending: Array<Pending<Tag>> = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    // Requests aborted while waiting are dropped here, before any work is spent on them.
    const live = pending.filter((p) => {
      if (!p.signal?.aborted) return true;
      p.reject(strataError('aborted'));
      return false;
    });
    pending = [];
    size = 0;
    if (live.length === 0) return;
    const inputs = live.flatMap((p) => p.inputs);
    run(inputs, { signal: allAborted(live.map((p) => p.signal)), tag: live[0]!.tag }).then(
      (batch) => {
        let offset = 0;
        for (const p of live) {
          p.resolve(sliceBatch(batch, offset, p.inputs.length));
          offset += p.inputs.length;
        }
      },
      (err) => live.forEach((p) => p.reject(err)),
    );
  };

  return {
    submit(inputs: unknown[], signal?: AbortSignal, tag?: Tag): Promise<EncodedBatch> {
      if (signal?.aborted) return Promise.reject(strataError('aborted'));
      return new Promise<EncodedBatch>((resolve, reject) => {
        if (size + inputs.length > maxItems) flush();
        const entry: Pending<Tag> = { inputs, tag, resolve, reject, signal };
        pending.push(entry);
        size += inputs.length;
        // An aborted request leaves the queue at once, so it neither takes room nor costs work; once its batch
        // has gone it is answered at once all the same (the batch goes on for the others).
        signal?.addEventListener(
          'abort',
          () => {
            const i = pending.indexOf(entry);
            if (i >= 0) {
              pending.splice(i, 1);
              size -= inputs.length;
            }
            reject(strataError('aborted'));
          },
          { once: true },
        );
        if (size >= maxItems) flush();
        else timer ??= setTimeout(flush, maxWaitMs);
      });
    },
    /** Sends what is waiting now (used on close). */
    flush,
  };
}
