/**
 * The pool's scheduling logic without threads: chunks are fake tasks the test finishes by hand, so the order
 * of dispatch, cancellation, budgets and the queue bound are checked exactly.
 */
import { describe, expect, it } from 'vitest';
import { createScheduler, type ChunkSpec, type Priority } from '../../service/pool/scheduler.ts';
import { Ring } from '../../service/pool/ring.ts';
import { createRateEstimator, inputCost, planChunks } from '../../service/pool/chunks.ts';
import { allAborted } from '../../service/pool/micro-batch.ts';
import { scatterBatches } from '../../service/pool/pool.ts';

/** Fake workers: every started chunk is recorded with its label and waits until the test finishes it. */
function fakeWork() {
  const started: string[] = [];
  const pending = new Map<string, { resolve(v: string): void; reject(e: unknown): void }>();
  const chunk = (label: string, items = 1): ChunkSpec<string> => ({
    items,
    run: () => {
      started.push(label);
      return new Promise<string>((resolve, reject) => pending.set(label, { resolve, reject }));
    },
  });
  const finish = async (label: string) => {
    const p = pending.get(label);
    if (!p) throw new Error(`${label} is not running (running: ${[...pending.keys()].join(', ')})`);
    pending.delete(label);
    p.resolve(label);
    // Let the scheduler's continuations run.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  const fail = async (label: string, err: unknown) => {
    pending.get(label)!.reject(err);
    pending.delete(label);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { started, chunk, finish, fail, running: () => [...pending.keys()] };
}

const chunks = (w: ReturnType<typeof fakeWork>, prefix: string, n: number, items = 1) => Array.from({ length: n }, (_, i) => w.chunk(`${prefix}${i}`, items));
const flow = (owner: string, priority: Priority, list: Array<ChunkSpec<string>>, extra: object = {}) => ({ owner, request: {}, priority, chunks: list, ...extra });

describe('Ring', () => {
  it('serves members in turn; a newcomer waits for everyone already in the round', () => {
    const r = new Ring<string>();
    r.push('a');
    r.push('b');
    expect(r.next()).toBe('a');
    r.push('c');
    expect([r.next(), r.next(), r.next(), r.next()]).toEqual(['b', 'a', 'c', 'b']);
    r.remove('c');
    expect([r.next(), r.next()]).toEqual(['a', 'b']);
    expect(r.remove('zz')).toBe(false);
  });
});

describe('scheduler', () => {
  it('dispatches only into free slots: nothing waits inside the workers', async () => {
    const w = fakeWork();
    const s = createScheduler({ slots: 2, maxQueuedItems: 100 });
    const done = s.run(flow('a', 'bulk', chunks(w, 'x', 5)));
    expect(w.running()).toEqual(['x0', 'x1']);
    expect(s.stats()).toMatchObject({ running: 2, queuedChunks: 3 });
    await w.finish('x0');
    expect(w.running()).toEqual(['x1', 'x2']);
    for (const l of ['x1', 'x2', 'x3', 'x4']) await w.finish(l);
    expect(await done).toEqual(['x0', 'x1', 'x2', 'x3', 'x4']);
    expect(s.stats()).toMatchObject({ running: 0, queuedChunks: 0, queuedItems: 0, flows: 0 });
  });

  it('serves interactive chunks before waiting bulk ones', async () => {
    const w = fakeWork();
    const s = createScheduler({ slots: 1, maxQueuedItems: 100 });
    void s.run(flow('bulk-owner', 'bulk', chunks(w, 'b', 4)));
    const q = s.run(flow('other', 'interactive', [w.chunk('q')]));
    expect(w.started).toEqual(['b0']);
    await w.finish('b0');
    expect(w.started).toEqual(['b0', 'q']);
    await w.finish('q');
    expect(await q).toEqual(['q']);
    expect(w.started).toEqual(['b0', 'q', 'b1']);
  });

  it('lets one bulk chunk through after a burst of interactive ones', async () => {
    const w = fakeWork();
    const s = createScheduler({ slots: 1, maxQueuedItems: 100, interactiveBurst: 2 });
    void s.run(flow('i', 'interactive', [w.chunk('first')]));
    void s.run(flow('b', 'bulk', chunks(w, 'b', 2)));
    void s.run(flow('i', 'interactive', chunks(w, 'q', 4)));
    for (const l of ['first', 'q0', 'b0', 'q1', 'q2', 'b1', 'q3']) await w.finish(l);
    expect(w.started).toEqual(['first', 'q0', 'b0', 'q1', 'q2', 'b1', 'q3']);
  });

  it('keeps a worker free for queries while they keep coming, and gives it back to bulk when they stop', async () => {
    const w = fakeWork();
    let clock = 0;
    const timers: Array<{ at: number; fn: () => void }> = [];
    const s = createScheduler({ slots: 2, maxQueuedItems: 100, reservedSlots: 1, reserveWindowMs: 1000, now: () => clock, setTimer: (fn, ms) => timers.push({ at: clock + ms, fn }) });
    void s.run(flow('bulk', 'bulk', chunks(w, 'b', 6)));
    // No query seen yet: bulk takes both workers.
    expect(w.running()).toEqual(['b0', 'b1']);
    void s.run(flow('q', 'interactive', [w.chunk('q0')]));
    await w.finish('b0');
    expect(w.running()).toEqual(['b1', 'q0']);
    clock += 10;
    await w.finish('q0');
    // A query was seen 10 ms ago: bulk keeps to one worker, the other stays free for the next query.
    expect(w.running()).toEqual(['b1']);
    void s.run(flow('q', 'interactive', [w.chunk('q1')]));
    expect(w.running()).toEqual(['b1', 'q1']);
    await w.finish('q1');
    expect(w.running()).toEqual(['b1']);
    // Once no query has come for the window, the waiting bulk work takes the free worker again.
    clock += 1000;
    timers.filter((t) => t.at <= clock).forEach((t) => t.fn());
    expect(w.running()).toEqual(['b1', 'b2']);
  });

  it('shares workers round-robin between owners, then between requests of one owner', async () => {
    const w = fakeWork();
    const s = createScheduler({ slots: 1, maxQueuedItems: 100 });
    void s.run(flow('blocker', 'bulk', [w.chunk('z')]));
    const r1 = {};
    const r2 = {};
    void s.run({ owner: 'acme', request: r1, priority: 'bulk', chunks: chunks(w, 'a', 3) });
    void s.run({ owner: 'acme', request: r2, priority: 'bulk', chunks: chunks(w, 'c', 3) });
    void s.run(flow('globex', 'bulk', chunks(w, 'g', 3)));
    for (let i = 0; i < 10; i++) await w.finish(w.running()[0]!);
    // The first chunk of each owner in turn; within acme, its two requests alternate.
    expect(w.started).toEqual(['z', 'a0', 'g0', 'c0', 'g1', 'a1', 'g2', 'c1', 'a2', 'c2']);
  });

  it('drops the waiting chunks of an aborted flow at once; only the running chunk finishes', async () => {
    const w = fakeWork();
    const s = createScheduler({ slots: 1, maxQueuedItems: 100 });
    const ac = new AbortController();
    const big = s.run(flow('a', 'bulk', chunks(w, 'big', 100), { signal: ac.signal }));
    const other = s.run(flow('b', 'bulk', [w.chunk('other')]));
    ac.abort();
    await expect(big).rejects.toMatchObject({ code: 'aborted' });
    expect(s.stats()).toMatchObject({ queuedChunks: 1, dropped: 99, running: 1 });
    await w.finish('big0');
    expect(w.running()).toEqual(['other']);
    await w.finish('other');
    expect(await other).toEqual(['other']);
    expect(w.started).toEqual(['big0', 'other']);
  });

  it('fails a flow with its first failing chunk and drops the rest', async () => {
    const w = fakeWork();
    const s = createScheduler({ slots: 2, maxQueuedItems: 100 });
    const f = s.run(flow('a', 'bulk', chunks(w, 'x', 6)));
    await w.fail('x0', new Error('model broke'));
    await expect(f).rejects.toThrow('model broke');
    expect(s.stats()).toMatchObject({ queuedChunks: 0, flows: 0 });
    await w.finish('x1');
    expect(w.started).toEqual(['x0', 'x1']);
  });

  it('stops a request whose chunks used up its budget of worker time, naming the limit', async () => {
    const w = fakeWork();
    let clock = 0;
    const s = createScheduler({ slots: 1, maxQueuedItems: 100, now: () => clock });
    const budget = { usedMs: 0, limitMs: 250 };
    const f = s.run(flow('a', 'bulk', chunks(w, 'x', 10), { budget }));
    const caught = f.catch((e: unknown) => e);
    for (const l of ['x0', 'x1', 'x2']) {
      clock += 100;
      await w.finish(l);
    }
    const err = (await caught) as { code: string; status: number; message: string };
    expect(err.code).toBe('pool_time_exceeded');
    expect(err.status).toBe(504);
    expect(err.message).toMatch(/250 ms/);
    expect(w.started).toEqual(['x0', 'x1', 'x2']);
    // A later call of the same request is refused at once.
    await expect(s.run(flow('a', 'bulk', [w.chunk('late')], { budget }))).rejects.toMatchObject({ code: 'pool_time_exceeded' });
  });

  it('bounds the queue: a call that does not fit is refused whole (503), one larger than the bound is a 413', async () => {
    const w = fakeWork();
    const s = createScheduler({ slots: 1, maxQueuedItems: 10 });
    void s.run(flow('a', 'bulk', chunks(w, 'x', 4, 2)));
    expect(s.stats().queuedItems).toBe(6);
    await expect(s.run(flow('b', 'bulk', chunks(w, 'y', 3, 2)))).rejects.toMatchObject({ code: 'queue_full', status: 503 });
    await expect(s.run(flow('b', 'bulk', chunks(w, 'y', 6, 2)))).rejects.toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(s.stats().queuedItems).toBe(6);
    void s.run(flow('b', 'bulk', [w.chunk('fits', 4)]));
    expect(s.stats().queuedItems).toBe(10);
  });
});

describe('chunk planning', () => {
  it('estimates costs in about-tokens, capped at what the text models read', () => {
    expect(inputCost('quiet dishwasher')).toBe(6);
    expect(inputCost('x'.repeat(100_000))).toBe(258);
    expect(inputCost('photo.jpg', 'image')).toBe(64);
  });

  it('groups similar lengths and keeps every chunk within the budget (or alone)', () => {
    const costs = [5, 100, 6, 90, 300, 4];
    const plan = planChunks(costs, { budget: 100, maxItems: 8 });
    expect(plan).toEqual([[5, 0, 2], [3], [1], [4]]);
    expect(plan.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(planChunks([1, 1, 1, 1, 1], { budget: 100, maxItems: 2 })).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('learns an encoder speed from chunks, ignoring tiny ones', () => {
    const r = createRateEstimator({ initialMsPerUnit: 0.4, alpha: 0.5, minUnits: 32 });
    r.observe('e', 10, 100);
    expect(r.msPerUnit('e')).toBe(0.4);
    r.observe('e', 1000, 100);
    expect(r.msPerUnit('e')).toBeCloseTo(0.1);
    r.observe('e', 1000, 300);
    expect(r.msPerUnit('e')).toBeCloseTo(0.2);
  });

  it('scatters chunk results back into input order', () => {
    const a = { dim: 1, count: 2, vectors: Float32Array.of(20, 0), errors: [{ index: 1, message: 'bad' }], truncated: 1 };
    const b = { dim: 1, count: 1, vectors: Float32Array.of(10), errors: [] };
    const out = scatterBatches([[2, 0], [1]], [a, b], 3);
    expect(Array.from(out.vectors)).toEqual([0, 10, 20]);
    expect(out.errors).toEqual([{ index: 0, message: 'bad' }]);
    expect(out.truncated).toBe(1);
  });
});

describe('allAborted', () => {
  it('aborts only when every caller has', () => {
    const a = new AbortController();
    const b = new AbortController();
    const all = allAborted([a.signal, b.signal])!;
    a.abort();
    expect(all.aborted).toBe(false);
    b.abort();
    expect(all.aborted).toBe(true);
    expect(allAborted([a.signal, undefined])).toBeUndefined();
  });
});
