/**
 * The encoder pool: a bounded Piscina pool of worker threads running encoders. A full queue is a distinct
 * `queue_full` error (HTTP 503), an aborted request cancels its queued task, batches are split so one huge
 * request cannot starve the others, and small concurrent requests are micro-batched into one task.
 */
import { setMaxListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EncodedBatch } from '../encoders/types.ts';
import type { EncoderContext } from '../encoders/registry.ts';
import { strataError, StrataError } from '../errors.ts';
import { createMicroBatcher, type MicroBatchOptions } from './micro-batch.ts';

export interface PoolOptions {
  threads?: number;
  maxQueue?: number;
  /** Inputs per task sent to a worker. */
  batchSize?: number;
  context?: EncoderContext;
  /** Requests with fewer inputs than `maxItems` are joined for up to `maxWaitMs` (0 items: off). */
  microBatch?: MicroBatchOptions;
}

export interface EncoderPool {
  encode(encoder: string, inputs: unknown[], options?: { signal?: AbortSignal }): Promise<EncodedBatch>;
  warm(encoder: string): Promise<void>;
  stats(): { threads: number; queueSize: number; completed: number; maxQueue: number; workerErrors: number };
  close(): Promise<void>;
}

const workerFile = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));

/** Joins per-task batches into one, offsetting item indexes in errors. */
export function concatBatches(parts: EncodedBatch[]): EncodedBatch {
  const dim = parts[0]?.dim ?? 0;
  const count = parts.reduce((n, p) => n + p.count, 0);
  const vectors = new Float32Array(count * dim);
  const errors: EncodedBatch['errors'] = [];
  let offset = 0;
  let truncated = 0;
  for (const p of parts) {
    vectors.set(p.vectors, offset * dim);
    for (const e of p.errors) errors.push({ index: e.index + offset, message: e.message });
    truncated += p.truncated ?? 0;
    offset += p.count;
  }
  return { dim, count, vectors, errors, truncated };
}

/**
 * Starts a pool. Workers load the TypeScript task module through a small `.mjs` bootstrap (worker-entry.mjs).
 *
 * @example const pool = createEncoderPool({ threads: 2 }); await pool.encode('text/chargram', ['fridge']);
 */
export function createEncoderPool({
  threads = 2,
  maxQueue = 256,
  batchSize = 64,
  context = { modelsDir: '' },
  microBatch = { maxItems: 32, maxWaitMs: 2 },
}: PoolOptions = {}): EncoderPool {
  const piscina = new Piscina({
    filename: workerFile,
    minThreads: threads,
    maxThreads: threads,
    maxQueue,
    workerData: context,
  });

  // Piscina reports pool-level worker failures as an 'error' event; every affected task is rejected on its own,
  // so the event is counted (for stats) rather than left unhandled, which would crash the process.
  let workerErrors = 0;
  piscina.on('error', () => workerErrors++);
  let activeTasks = 0;

  // The abort signal is never handed to Piscina: aborting a running task terminates its thread, and a thread
  // terminated inside onnxruntime aborts the whole process. An aborted caller is answered at once instead, and
  // the task's late result is dropped (the queue stays bounded by maxQueue).
  const runTask = async (name: string, task: unknown, signal?: AbortSignal) => {
    if (signal?.aborted) throw strataError('aborted');
    activeTasks++;
    const running = piscina.run(task, { name });
    running.catch(() => undefined).finally(() => activeTasks--);
    try {
      if (!signal) return await running;
      let onAbort = () => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(strataError('aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([running, aborted]);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      if (err instanceof StrataError) throw err;
      const message = (err as Error).message ?? String(err);
      if (message.includes('queue is at limit')) throw strataError('queue_full', { size: piscina.queueSize });
      throw err;
    }
  };

  const batchers = new Map<string, ReturnType<typeof createMicroBatcher>>();
  const batcherFor = (encoder: string) => {
    let b = batchers.get(encoder);
    if (!b) {
      b = createMicroBatcher((inputs) => encodeChunks(encoder, inputs), microBatch);
      batchers.set(encoder, b);
    }
    return b;
  };

  const encodeChunks = async (encoder: string, inputs: unknown[], signal?: AbortSignal): Promise<EncodedBatch> => {
    const chunks: unknown[][] = [];
    for (let i = 0; i < inputs.length; i += batchSize) chunks.push(inputs.slice(i, i + batchSize));
    // Admission control: a request whose tasks do not all fit in the queue is refused whole, up front,
    // rather than half-queued.
    const free = maxQueue - piscina.queueSize + Math.max(0, threads - activeTasks);
    if (chunks.length > free) throw strataError('queue_full', { size: piscina.queueSize });
    // One failed or aborted task cancels its siblings, so nothing is left running for a dead request.
    const siblings = new AbortController();
    setMaxListeners(chunks.length + 1, siblings.signal);
    const onAbort = () => siblings.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const parts = await Promise.all(
        chunks.map((chunk) =>
          runTask('encode', { encoder, inputs: chunk }, siblings.signal).catch((err) => {
            siblings.abort();
            throw err;
          }),
        ),
      );
      return parts.length === 1 ? parts[0]! : concatBatches(parts);
    } catch (err) {
      throw signal?.aborted ? strataError('aborted') : err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  };

  return {
    async encode(encoder, inputs, { signal } = {}) {
      if (signal?.aborted) throw strataError('aborted');
      if (inputs.length === 0) return { dim: 0, count: 0, vectors: new Float32Array(0), errors: [] };
      const small = inputs.length < (microBatch.maxItems ?? 0) && (microBatch.maxWaitMs ?? 0) > 0;
      return small ? batcherFor(encoder).submit(inputs, signal) : encodeChunks(encoder, inputs, signal);
    },
    async warm(encoder) {
      // One warm task per thread so every worker has the model loaded before traffic arrives.
      await Promise.all(Array.from({ length: threads }, () => runTask('warm', { encoder })));
    },
    stats: () => ({ threads, queueSize: piscina.queueSize, completed: piscina.completed, maxQueue, workerErrors }),
    // Graceful: running tasks finish first (terminating a thread inside onnxruntime aborts the process).
    close: () => piscina.close(),
  };
}
