/**
 * One block of HTTP load with autocannon. It runs in a worker thread (see `load-runner.ts`), so the load
 * generator never shares an event loop with the in-process service it measures. Latencies are kept per response
 * at full precision: autocannon's own histogram keeps whole milliseconds, too coarse for a 15 ms target.
 *
 * A block ends gracefully: after `durationS` each connection closes once its request in flight is answered.
 * autocannon's own `duration` would cut requests off, and a client that disconnects while the service is
 * embedding its query takes the whole service process down (the pool terminates a worker inside onnxruntime).
 */
import autocannon from 'autocannon';

export interface LoadSlot {
  /** The label this slot's latencies are reported under. */
  name: string;
  path: string;
  /** JSON request bodies, taken in turn by all connections (one shared cursor per slot). */
  bodies: string[];
}

export interface LoadJob {
  url: string;
  connections: number;
  durationS: number;
  /** Slots alternate request by request on every connection; one slot is plain load. */
  slots: LoadSlot[];
  /** `cycle`: bodies wrap around; `unique`: each is meant to be sent once (running out is reported). */
  bodies: 'cycle' | 'unique';
  /** Dotted path of a timing object in each JSON response to collect, e.g. `meta.strata.took`. */
  tookPath?: string;
}

export interface SlotResult {
  name: string;
  /** Latency of every 2xx response, in ms. */
  latenciesMs: number[];
  ok: number;
  /** 2xx responses that arrived within `durationS` (throughput counts these). */
  okInWindow: number;
  non2xx: number;
  /** Bodies handed out (sent or about to be). */
  sent: number;
  tooks: Array<Record<string, number>>;
  /** One non-2xx body, for the report. */
  failure?: string;
}

export interface LoadResult {
  /** The measured window (requests answered after it still count for latency). */
  durationS: number;
  /** Until the last connection closed. */
  elapsedS: number;
  errors: number;
  timeouts: number;
  /** A `unique` job ran out of bodies and wrapped around. */
  exhausted: boolean;
  slots: SlotResult[];
}

interface RawResult {
  errors: number;
  timeouts: number;
}

function pick(value: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

/**
 * Runs one block of load and returns per-slot latencies.
 *
 * @example await runLoad({ url: 'http://127.0.0.1:8787', connections: 1, durationS: 10, bodies: 'cycle', slots: [{ name: 'rerank', path: '/v1/rerank', bodies }] });
 */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  let exhausted = false;
  let last: SlotResult | undefined;
  let lastOk = false;
  const results: SlotResult[] = job.slots.map((s) => ({ name: s.name, latenciesMs: [], ok: 0, okInWindow: 0, non2xx: 0, sent: 0, tooks: [] }));
  const startedAt = performance.now();
  const deadline = startedAt + job.durationS * 1000;
  const requests = job.slots.map((slot, i) => {
    const result = results[i]!;
    return {
      method: 'POST' as const,
      path: slot.path,
      headers: { 'content-type': 'application/json' },
      setupRequest: (req: autocannon.Request) => {
        const k = result.sent++;
        if (k >= slot.bodies.length && job.bodies === 'unique') exhausted = true;
        return { ...req, body: slot.bodies[k % slot.bodies.length]! };
      },
      // Called just before the client's 'response' event for the same response, so `last` is exact.
      onResponse: (status: number, body: string) => {
        last = result;
        lastOk = status >= 200 && status < 300;
        if (!lastOk) {
          result.non2xx++;
          result.failure ??= `${status}: ${body.slice(0, 500)}`;
          return;
        }
        result.ok++;
        if (job.tookPath) {
          const took = pick(JSON.parse(body) as unknown, job.tookPath);
          if (took && typeof took === 'object') result.tooks.push(took as Record<string, number>);
        }
      },
    };
  });
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        // Only a safety net: connections stop by themselves once the window is over (see the 'response' handler).
        duration: job.durationS + 120,
        pipelining: 1,
        timeout: 30,
        requests: requests as unknown as autocannon.Request[],
      },
      (err: Error | null, raw: unknown) => {
        if (err) return reject(err);
        const r = raw as RawResult;
        resolve({ durationS: job.durationS, elapsedS: (performance.now() - startedAt) / 1000, errors: r.errors, timeouts: r.timeouts, exhausted, slots: results });
      },
    );
    instance.on('response', (client: autocannon.Client, _status: number, _bytes: number, responseTime: number) => {
      const now = performance.now();
      if (last && lastOk) {
        last.latenciesMs.push(responseTime);
        if (now <= deadline) last.okInWindow++;
      }
      last = undefined;
      // Emitted before the client sends its next request: with its quota set to what it has sent, the client
      // closes instead (autocannon's `amount` mechanism), leaving nothing in flight.
      if (now > deadline) {
        const c = client as unknown as { responseMax: number; reqsMade: number };
        c.responseMax = c.reqsMade;
      }
    });
  });
}
