/**
 * The load generator's thread: autocannon runs in one worker thread (`load-worker.ts`), so an in-process
 * service keeps its event loop to itself while it is measured. Jobs run one at a time.
 */
import { Worker } from 'node:worker_threads';
import type { LoadJob, LoadResult } from './load-worker.ts';

export type { LoadJob, LoadResult, LoadSlot, SlotResult } from './load-worker.ts';

export interface LoadRunner {
  /** Runs one block of load; rejects when autocannon fails or another block is still running. */
  run(job: LoadJob): Promise<LoadResult>;
  close(): Promise<void>;
}

type Reply = { ok: true; result: LoadResult } | { ok: false; error: string };

/**
 * Starts the load generator's worker thread.
 *
 * @example const load = createLoadRunner(); const r = await load.run(job); await load.close();
 */
export function createLoadRunner(): LoadRunner {
  const worker = new Worker(new URL('./load-worker-entry.mjs', import.meta.url));
  let pending: { resolve: (r: LoadResult) => void; reject: (e: Error) => void } | undefined;
  const fail = (err: Error) => {
    pending?.reject(err);
    pending = undefined;
  };
  worker.on('message', (reply: Reply) => {
    const p = pending;
    pending = undefined;
    if (reply.ok) p?.resolve(reply.result);
    else p?.reject(new Error(`load generator: ${reply.error}`));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`load generator thread exited (code ${code})`)));
  return {
    run(job) {
      if (pending) return Promise.reject(new Error('load generator: a block is already running'));
      return new Promise<LoadResult>((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage(job);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
