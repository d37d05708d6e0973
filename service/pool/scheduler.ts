/**
 * The pool's scheduler: pure scheduling logic in front of the worker threads (it only calls the `run` functions
 * it is given, so it is tested without threads).
 *
 * - Work arrives as *flows* (one encode call) of bounded *chunks*; a chunk is dispatched only when a slot (a
 *   worker) is free, so nothing ever waits inside Piscina where it could not be cancelled.
 * - Two priority classes: `interactive` (query embeddings) goes before `bulk` (document encodes); after
 *   `interactiveBurst` interactive chunks in a row, one waiting bulk chunk goes, so neither class starves.
 *   While interactive work keeps arriving (within `reserveWindowMs`), bulk leaves `reservedSlots` workers free,
 *   so a query does not wait for a bulk chunk to end; with no queries about, bulk uses every worker.
 * - Fairness within a class: round-robin over owners (tenants or keys), then over the requests of an owner,
 *   then over the flows of a request, one chunk per turn. Chunks are sized to take about the same time, so
 *   turns are time-fair without weighing them.
 * - An aborted flow is answered at once and its waiting chunks are dropped; at most its running chunks finish.
 * - A request's budget of worker time is charged as its chunks finish; once it is spent, the request's flows
 *   fail with `pool_time_exceeded` and their waiting chunks are dropped.
 * - Admission is all or nothing: a flow whose items do not fit in the bounded queue is refused whole.
 */
import { Ring } from './ring.ts';
import { strataError } from '../errors.ts';

export type Priority = 'interactive' | 'bulk';

export interface Budget {
  usedMs: number;
  /** 0: unbounded. */
  limitMs: number;
}

export interface ChunkSpec<T> {
  /** Inputs in the chunk (what the queue bound counts). */
  items: number;
  run(): Promise<T>;
}

export interface FlowSpec<T> {
  owner: string;
  /** Identifies the request the flow belongs to (flows of one request share its turns and its budget). */
  request: object;
  priority: Priority;
  chunks: Array<ChunkSpec<T>>;
  signal?: AbortSignal | undefined;
  budget?: Budget | undefined;
  /** Called with each chunk's run time (the pool learns chunk sizes from it). */
  onChunkDone?: (chunk: number, ms: number) => void;
}

export interface SchedulerOptions {
  /** Chunks that may run at once (the worker threads). */
  slots: number;
  /** Most inputs that may wait (not yet dispatched) across all flows. */
  maxQueuedItems: number;
  /** Interactive chunks dispatched in a row while bulk work waits. */
  interactiveBurst?: number;
  /** Most slots bulk chunks may hold at once (default: all). */
  bulkSlots?: number;
  /** Slots bulk leaves free while interactive work was seen within `reserveWindowMs` (default 0). */
  reservedSlots?: number;
  reserveWindowMs?: number;
  now?: () => number;
  /** Runs `fn` after `ms` (tests pass a fake; the default timer does not keep the process alive). */
  setTimer?: (fn: () => void, ms: number) => void;
}

export interface SchedulerStats {
  running: number;
  queuedChunks: number;
  queuedItems: number;
  flows: number;
  /** Chunks dropped before they ran (aborted, failed or over-budget flows). */
  dropped: number;
  dispatched: { interactive: number; bulk: number };
}

export interface Scheduler {
  /** Runs a flow's chunks; resolves with their results in chunk order. */
  run<T>(flow: FlowSpec<T>): Promise<T[]>;
  stats(): SchedulerStats;
}

interface Flow {
  spec: FlowSpec<unknown>;
  next: number;
  running: number;
  done: number;
  results: unknown[];
  settled: boolean;
  resolve(results: unknown[]): void;
  reject(err: unknown): void;
  cleanup(): void;
  queue: RequestQueue;
}

interface RequestQueue {
  request: object;
  flows: Ring<Flow>;
  owner: OwnerQueue;
}

interface OwnerQueue {
  owner: string;
  requests: Map<object, RequestQueue>;
  ring: Ring<RequestQueue>;
  priority: Priority;
}

/**
 * Creates a scheduler.
 *
 * @example const s = createScheduler({ slots: 2, maxQueuedItems: 1000 });
 *          const [a, b] = await s.run({ owner: 'acme', request: {}, priority: 'bulk', chunks: [c1, c2] });
 */
export function createScheduler({
  slots,
  maxQueuedItems,
  interactiveBurst = 8,
  bulkSlots = slots,
  reservedSlots = 0,
  reserveWindowMs = 1000,
  now = () => performance.now(),
  setTimer = (fn, ms) => setTimeout(fn, ms).unref(),
}: SchedulerOptions): Scheduler {
  const owners: Record<Priority, { ring: Ring<OwnerQueue>; byName: Map<string, OwnerQueue> }> = {
    interactive: { ring: new Ring(), byName: new Map() },
    bulk: { ring: new Ring(), byName: new Map() },
  };
  let running = 0;
  let runningBulk = 0;
  let queuedChunks = 0;
  let queuedItems = 0;
  let flows = 0;
  let dropped = 0;
  let streak = 0;
  let lastInteractive = -Infinity;
  let wakeAt = Infinity;
  const dispatched = { interactive: 0, bulk: 0 };

  /** Slots bulk may hold now: all but the reserved ones while interactive work is about. */
  function bulkCap(): number {
    const reserving = reservedSlots > 0 && now() - lastInteractive < reserveWindowMs;
    return reserving ? Math.max(1, Math.min(bulkSlots, slots - reservedSlots)) : bulkSlots;
  }

  /** When bulk is held back only by the reservation, look again once the reservation lapses. */
  function wakeWhenReservationEnds() {
    const at = lastInteractive + reserveWindowMs;
    if (wakeAt <= at) return;
    wakeAt = at;
    setTimer(() => {
      wakeAt = Infinity;
      pump();
    }, Math.max(1, at - now()));
  }

  const waiting = (f: Flow) => f.spec.chunks.length - f.next;
  const waitingItems = (f: Flow) => f.spec.chunks.slice(f.next).reduce((n, c) => n + c.items, 0);

  function enqueue(flow: Flow) {
    const { owner, priority, request } = flow.spec;
    const cls = owners[priority];
    let o = cls.byName.get(owner);
    if (!o) {
      o = { owner, requests: new Map(), ring: new Ring(), priority };
      cls.byName.set(owner, o);
      cls.ring.push(o);
    }
    let r = o.requests.get(request);
    if (!r) {
      r = { request, flows: new Ring(), owner: o };
      o.requests.set(request, r);
      o.ring.push(r);
    }
    flow.queue = r;
    r.flows.push(flow);
  }

  /** Takes a flow out of the rings (its waiting chunks are no longer offered). */
  function dequeue(flow: Flow) {
    const r = flow.queue;
    if (!r.flows.remove(flow) || r.flows.size > 0) return;
    const o = r.owner;
    o.ring.remove(r);
    o.requests.delete(r.request);
    if (o.ring.size > 0) return;
    const cls = owners[o.priority];
    cls.ring.remove(o);
    cls.byName.delete(o.owner);
  }

  function settle(flow: Flow, err: unknown, results?: unknown[]) {
    if (flow.settled) return;
    flow.settled = true;
    flows--;
    const left = waiting(flow);
    if (left > 0) {
      queuedChunks -= left;
      queuedItems -= waitingItems(flow);
      dropped += left;
      flow.next = flow.spec.chunks.length;
      dequeue(flow);
    }
    flow.cleanup();
    if (err === undefined) flow.resolve(results!);
    else flow.reject(err);
  }

  const overBudget = (b: Budget | undefined) => b !== undefined && b.limitMs > 0 && b.usedMs >= b.limitMs;
  const budgetError = (b: Budget) => strataError('pool_time_exceeded', { limit: b.limitMs, used: Math.round(b.usedMs) });

  /** The next chunk of a class in round-robin order (owner, then request, then flow). */
  function take(priority: Priority): Flow | undefined {
    const o = owners[priority].ring.next();
    const r = o?.ring.next();
    const flow = r?.flows.next();
    if (!flow) return undefined;
    if (waiting(flow) === 1) dequeue(flow);
    return flow;
  }

  function chooseClass(): Priority | undefined {
    const hasInteractive = owners.interactive.ring.size > 0;
    const bulkWaiting = owners.bulk.ring.size > 0;
    const cap = bulkCap();
    const hasBulk = bulkWaiting && runningBulk < cap;
    if (bulkWaiting && !hasBulk && !hasInteractive && runningBulk < bulkSlots) wakeWhenReservationEnds();
    if (hasInteractive && (!hasBulk || streak < interactiveBurst)) {
      streak++;
      return 'interactive';
    }
    if (hasBulk) {
      streak = 0;
      return 'bulk';
    }
    return undefined;
  }

  function pump() {
    while (running < slots) {
      const priority = chooseClass();
      if (!priority) return;
      const flow = take(priority);
      if (!flow) return;
      const index = flow.next++;
      const chunk = flow.spec.chunks[index]!;
      queuedChunks--;
      queuedItems -= chunk.items;
      if (overBudget(flow.spec.budget)) {
        dropped++;
        settle(flow, budgetError(flow.spec.budget!));
        continue;
      }
      if (priority === 'interactive') lastInteractive = now();
      start(flow, index, chunk, priority);
    }
  }

  function start(flow: Flow, index: number, chunk: ChunkSpec<unknown>, priority: Priority) {
    running++;
    if (priority === 'bulk') runningBulk++;
    dispatched[priority]++;
    flow.running++;
    const started = now();
    let task: Promise<unknown>;
    try {
      task = chunk.run();
    } catch (err) {
      task = Promise.reject(err);
    }
    task.then(
      (result) => {
        flow.results[index] = result;
        flow.done++;
      },
      (err) => settle(flow, err),
    ).finally(() => {
      const ms = now() - started;
      running--;
      if (priority === 'bulk') runningBulk--;
      flow.running--;
      const budget = flow.spec.budget;
      if (budget) budget.usedMs += ms;
      flow.spec.onChunkDone?.(index, ms);
      if (!flow.settled) {
        if (flow.done === flow.spec.chunks.length) settle(flow, undefined, flow.results);
        else if (overBudget(budget) && waiting(flow) > 0) settle(flow, budgetError(budget!));
      }
      pump();
    });
  }

  return {
    run<T>(spec: FlowSpec<T>): Promise<T[]> {
      if (spec.signal?.aborted) return Promise.reject(strataError('aborted'));
      if (overBudget(spec.budget)) return Promise.reject(budgetError(spec.budget!));
      if (spec.chunks.length === 0) return Promise.resolve([]);
      const items = spec.chunks.reduce((n, c) => n + c.items, 0);
      if (items > maxQueuedItems) {
        return Promise.reject(strataError('payload_too_large', { reason: `${items} inputs in one call; the encoder pool queues at most ${maxQueuedItems} (STRATA_POOL_MAX_QUEUE)` }));
      }
      if (queuedItems + items > maxQueuedItems) return Promise.reject(strataError('queue_full', { size: queuedItems }));
      return new Promise<T[]>((resolve, reject) => {
        const flow: Flow = {
          spec: spec as FlowSpec<unknown>,
          next: 0,
          running: 0,
          done: 0,
          results: new Array(spec.chunks.length),
          settled: false,
          resolve: resolve as (r: unknown[]) => void,
          reject,
          cleanup: () => undefined,
          queue: undefined as unknown as RequestQueue,
        };
        if (spec.signal) {
          const onAbort = () => settle(flow, strataError('aborted'));
          spec.signal.addEventListener('abort', onAbort, { once: true });
          flow.cleanup = () => spec.signal!.removeEventListener('abort', onAbort);
        }
        if (spec.priority === 'interactive') lastInteractive = now();
        flows++;
        queuedChunks += spec.chunks.length;
        queuedItems += items;
        enqueue(flow);
        pump();
      });
    },
    stats: () => ({ running, queuedChunks, queuedItems, flows, dropped, dispatched: { ...dispatched } }),
  };
}
