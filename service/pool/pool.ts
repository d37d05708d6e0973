/**
 * The encoder pool: Piscina worker threads running encoders, behind the pool's own scheduler (scheduler.ts).
 * An encode call is cut into chunks of about `chunkMs` of work (chunks.ts); chunks wait in the scheduler's
 * bounded queue and go to Piscina only when a worker is free, so an aborted request drops its waiting chunks
 * and at most its running ones finish. Query embeddings (`interactive`) go before document encodes (`bulk`),
 * callers share the workers round-robin, a request's encoder time is bounded, and small concurrent calls are
 * micro-batched into one chunk.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EncodedBatch } from '../encoders/types.ts';
import type { EncoderContext } from '../encoders/registry.ts';
import { strataError, StrataError } from '../errors.ts';
import { currentRequest } from '../request-context.ts';
import { createMicroBatcher, type MicroBatchOptions } from './micro-batch.ts';
import { createScheduler, type Budget, type Priority } from './scheduler.ts';
import { createRateEstimator, inputCost, planChunks } from './chunks.ts';

export type { Priority } from './scheduler.ts';

export interface PoolOptions {
  threads?: number;
  /** Most inputs that may wait for a worker before calls are refused with `queue_full` (503). */
  maxQueue?: number;
  /** Most inputs in one chunk. */
  batchSize?: number;
  /** About how long one chunk should keep a worker busy: the longest an aborted request's work runs on. */
  chunkMs?: number;
  /** Interactive chunks dispatched in a row while bulk work waits. */
  interactiveBurst?: number;
  /** Workers bulk work leaves free while queries keep arriving (default 1 with 2+ threads). */
  reservedForInteractive?: number;
  context?: EncoderContext;
  /** Requests with fewer inputs than `maxItems` are joined for up to `maxWaitMs` (0 items: off). */
  microBatch?: MicroBatchOptions;
}

export interface EncodeOptions {
  signal?: AbortSignal | undefined;
  /** `interactive` work is served before `bulk`; default: interactive for a single input, bulk otherwise. */
  priority?: Priority;
  /** Who the work is for, for fair sharing (default: the current request's owner, else `local`). */
  owner?: string;
}

export interface PoolStats {
  threads: number;
  /** Chunks waiting for a worker. */
  queueSize: number;
  /** Inputs waiting for a worker (what `maxQueue` bounds). */
  queuedItems: number;
  running: number;
  completed: number;
  maxQueue: number;
  workerErrors: number;
  /** Chunks dropped before running (their request aborted, failed or ran out of budget). */
  dropped: number;
}

export interface EncoderPool {
  encode(encoder: string, inputs: unknown[], options?: EncodeOptions): Promise<EncodedBatch>;
  warm(encoder: string): Promise<void>;
  stats(): PoolStats;
  close(): Promise<void>;
  /** What the workers build encoders from (models folder, MiniLM graph...), e.g. for `encoderFingerprint`. */
  readonly context?: EncoderContext;
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
 * Puts chunk results back in input order: `plan[k][j]` is the input position of row `j` of `parts[k]`.
 *
 * @example scatterBatches([[1], [0]], [b1, b0]) // rows of b0 then b1
 */
export function scatterBatches(plan: readonly number[][], parts: readonly EncodedBatch[], count: number): EncodedBatch {
  const dim = parts[0]?.dim ?? 0;
  const vectors = new Float32Array(count * dim);
  const errors: EncodedBatch['errors'] = [];
  let truncated = 0;
  plan.forEach((positions, k) => {
    const part = parts[k]!;
    positions.forEach((pos, j) => vectors.set(part.vectors.subarray(j * dim, (j + 1) * dim), pos * dim));
    for (const e of part.errors) errors.push({ index: positions[e.index]!, message: e.message });
    truncated += part.truncated ?? 0;
  });
  errors.sort((a, b) => a.index - b.index);
  return { dim, count, vectors, errors, truncated };
}

/** Estimated work above which one call is split over every worker, whatever its size. */
const SPREAD_MIN_MS = 4;

interface Caller {
  owner: string;
  request: object;
  budget: Budget | undefined;
}

/**
 * Starts a pool. Workers load the TypeScript task module through a small `.mjs` bootstrap (worker-entry.mjs).
 *
 * @example const pool = createEncoderPool({ threads: 2 });
 *          await pool.encode('text/chargram', ['fridge'], { signal, priority: 'interactive', owner: 'acme' });
 */
export function createEncoderPool({
  threads = 2,
  maxQueue = 16_384,
  batchSize = 64,
  chunkMs = 100,
  interactiveBurst = 8,
  reservedForInteractive = threads >= 2 ? 1 : 0,
  context = { modelsDir: '' },
  microBatch = { maxItems: 32, maxWaitMs: 2 },
}: PoolOptions = {}): EncoderPool {
  const piscina = new Piscina({
    filename: workerFile,
    minThreads: threads,
    maxThreads: threads,
    // The scheduler never has more tasks out than threads; the margin only covers a worker being replaced.
    maxQueue: threads,
    workerData: context,
  });
  const scheduler = createScheduler({ slots: threads, maxQueuedItems: maxQueue, interactiveBurst, reservedSlots: reservedForInteractive });
  const rates = createRateEstimator();

  // Piscina reports pool-level worker failures as an 'error' event; every affected task is rejected on its own,
  // so the event is counted (for stats) rather than left unhandled, which would crash the process.
  let workerErrors = 0;
  piscina.on('error', () => workerErrors++);

  // No abort signal is ever handed to Piscina: aborting a running task terminates its thread, and a thread
  // terminated inside onnxruntime aborts the whole process. Cancelling happens in the scheduler, between chunks.
  const runTask = async (name: string, task: unknown): Promise<EncodedBatch> => {
    try {
      return (await piscina.run(task, { name })) as EncodedBatch;
    } catch (err) {
      if (err instanceof StrataError) throw err;
      const message = (err as Error).message ?? String(err);
      if (message.includes('queue is at limit')) throw strataError('queue_full', { size: piscina.queueSize });
      throw err;
    }
  };

  const encodeFlow = async (encoder: string, inputs: unknown[], priority: Priority, caller: Caller, signal?: AbortSignal): Promise<EncodedBatch> => {
    const modality = encoder.startsWith('image/') ? 'image' : 'text';
    const costs = inputs.map((x) => inputCost(x, modality));
    const budget = Math.max(1, chunkMs / rates.msPerUnit(encoder));
    // A call worth more than a few milliseconds is spread over every worker even when it is small (8 titles take
    // ~15 ms of MiniLM on one core, ~8 on two); cheap encoders stay in one chunk (a task costs ~1-2 ms of hand-off).
    const estimatedMs = costs.reduce((n, c) => n + c, 0) * rates.msPerUnit(encoder);
    const spread = estimatedMs >= SPREAD_MIN_MS ? threads : 1;
    const plan = planChunks(costs, { budget, maxItems: Math.min(batchSize, Math.max(1, Math.ceil(inputs.length / spread))) });
    const units = plan.map((positions) => positions.reduce((n, i) => n + costs[i]!, 0));
    const parts = await scheduler.run({
      owner: caller.owner,
      request: caller.request,
      priority,
      signal,
      budget: caller.budget,
      chunks: plan.map((positions) => ({ items: positions.length, run: () => runTask('encode', { encoder, inputs: positions.map((i) => inputs[i]) }) })),
      onChunkDone: (k, ms) => rates.observe(encoder, units[k]!, ms),
    });
    return scatterBatches(plan, parts, inputs.length);
  };

  const batchers = new Map<string, ReturnType<typeof createMicroBatcher<Caller>>>();
  const batcherFor = (encoder: string, priority: Priority) => {
    const key = `${priority}\u0000${encoder}`;
    let b = batchers.get(key);
    if (!b) {
      b = createMicroBatcher<Caller>((inputs, { signal, tag }) => encodeFlow(encoder, inputs, priority, tag!, signal), microBatch);
      batchers.set(key, b);
    }
    return b;
  };

  return {
    context,
    async encode(encoder, inputs, { signal, priority, owner } = {}) {
      if (signal?.aborted) throw strataError('aborted');
      if (inputs.length === 0) return { dim: 0, count: 0, vectors: new Float32Array(0), errors: [] };
      const ctx = currentRequest();
      const caller: Caller = { owner: owner ?? ctx?.owner ?? 'local', request: ctx ?? {}, budget: ctx?.budget };
      const cls = priority ?? (inputs.length === 1 ? 'interactive' : 'bulk');
      // Only calls that fit well inside one chunk are joined: a joined batch must stay a bounded chunk too.
      const modality = encoder.startsWith('image/') ? 'image' : 'text';
      const estimatedMs = inputs.reduce<number>((n, x) => n + inputCost(x, modality), 0) * rates.msPerUnit(encoder);
      const small = inputs.length < (microBatch.maxItems ?? 0) && (microBatch.maxWaitMs ?? 0) > 0 && estimatedMs <= chunkMs / 2;
      return small ? batcherFor(encoder, cls).submit(inputs, signal, caller) : encodeFlow(encoder, inputs, cls, caller, signal);
    },
    async warm(encoder) {
      // One warm task per thread so every worker has the model loaded before traffic arrives.
      await scheduler.run({
        owner: 'system',
        request: {},
        priority: 'interactive',
        chunks: Array.from({ length: threads }, () => ({ items: 1, run: () => runTask('warm', { encoder }) })),
      });
    },
    stats: () => {
      const s = scheduler.stats();
      return { threads, queueSize: s.queuedChunks, queuedItems: s.queuedItems, running: s.running, completed: piscina.completed, maxQueue, workerErrors, dropped: s.dropped };
    },
    // Graceful: running tasks finish first (terminating a thread inside onnxruntime aborts the process).
    close: () => piscina.close(),
  };
}
