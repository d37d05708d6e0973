/**
 * A bounded load over several service replicas with nothing in front of them but round-robin: `concurrency` loops
 * take the next request number and send it to `targets[n % targets.length]`, until stopped or `maxRequests`
 * requests were sent. Every outcome is kept with its start and end time (`performance.now()`), so a test can
 * line failures up against events (a node killed, the cluster going yellow).
 */

export interface Outcome {
  ok: boolean;
  status: number;
  /** What failed (status and error code, or the exception), for printing. */
  error?: string;
  /** Anything the caller wants to keep from the response (e.g. the head version served). */
  value?: unknown;
}

export interface Sample extends Outcome {
  n: number;
  target: string;
  start: number;
  end: number;
}

export interface Load {
  stop(): void;
  /** Resolves with every sample once all loops finished their last request. */
  done: Promise<Sample[]>;
  /** The samples so far. */
  samples: Sample[];
}

/**
 * Starts the load.
 *
 * @example
 *   const load = roundRobin({ targets: [a, b], concurrency: 2, maxRequests: 500, send: (url) => search(url) });
 *   ...; load.stop(); const samples = await load.done;
 */
export function roundRobin({
  targets,
  concurrency,
  maxRequests,
  send,
  pauseMs = 0,
}: {
  targets: readonly string[];
  concurrency: number;
  maxRequests: number;
  send: (target: string, n: number) => Promise<Outcome>;
  /** A pause after each request, to keep the load bounded on a shared machine. */
  pauseMs?: number;
}): Load {
  let next = 0;
  let stopped = false;
  const samples: Sample[] = [];
  const loop = async () => {
    while (!stopped && next < maxRequests) {
      const n = next++;
      const target = targets[n % targets.length]!;
      const start = performance.now();
      let outcome: Outcome;
      try {
        outcome = await send(target, n);
      } catch (err) {
        outcome = { ok: false, status: 0, error: err instanceof Error ? err.message : String(err) };
      }
      samples.push({ ...outcome, n, target, start, end: performance.now() });
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, loop)).then(() => samples.sort((a, b) => a.n - b.n));
  return { stop: () => (stopped = true), done, samples };
}
