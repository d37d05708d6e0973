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

interface Pending {
  inputs: unknown[];
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
 * A batcher in front of `run` (one pool task per flush).
 *
 * @example const b = createMicroBatcher((inputs) => pool.run(inputs), { maxItems: 32, maxWaitMs: 2 });
 *          const one = await b.submit(['a query']);
 */
export function createMicroBatcher(run: (inputs: unknown[]) => Promise<EncodedBatch>, { maxItems = 32, maxWaitMs = 2 }: MicroBatchOptions = {}) {
  let pending: Pending[] = [];
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
    run(inputs).then(
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
    submit(inputs: unknown[], signal?: AbortSignal): Promise<EncodedBatch> {
      if (signal?.aborted) return Promise.reject(strataError('aborted'));
      return new Promise<EncodedBatch>((resolve, reject) => {
        if (size + inputs.length > maxItems) flush();
        const entry: Pending = { inputs, resolve, reject, signal };
        pending.push(entry);
        size += inputs.length;
        // An aborted request leaves the queue at once, so it neither takes room nor costs work.
        signal?.addEventListener(
          'abort',
          () => {
            const i = pending.indexOf(entry);
            if (i < 0) return;
            pending.splice(i, 1);
            size -= inputs.length;
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
