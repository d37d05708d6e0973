import { afterAll, describe, expect, it } from 'vitest';
import { concatBatches, createEncoderPool } from '../../service/pool/pool.ts';
import { encodeChargrams } from '../../service/encoders/chargram.ts';

describe('concatBatches', () => {
  it('joins vectors and offsets error indexes', () => {
    const a = { dim: 2, count: 2, vectors: new Float32Array([1, 2, 3, 4]), errors: [{ index: 1, message: 'x' }] };
    const b = { dim: 2, count: 1, vectors: new Float32Array([5, 6]), errors: [{ index: 0, message: 'y' }], truncated: 1 };
    const c = concatBatches([a, b]);
    expect(Array.from(c.vectors)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(c.errors).toEqual([{ index: 1, message: 'x' }, { index: 2, message: 'y' }]);
    expect(c.truncated).toBe(1);
  });
});

describe('encoder pool (real worker threads)', () => {
  const pool = createEncoderPool({ threads: 2, maxQueue: 40, batchSize: 8 });
  afterAll(() => pool.close());

  it('gives the same vectors as the in-process encoder, across chunk splits and reordering', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `product ${i} code RF${i}X ${'long '.repeat(i * 7)}`);
    const out = await pool.encode('text/chargram', texts);
    expect(out.count).toBe(20);
    expect(Array.from(out.vectors)).toEqual(Array.from(encodeChargrams(texts).vectors));
  });

  it('refuses a call whose inputs do not fit in the bounded queue with queue_full (503), a call over the bound with 413', async () => {
    const many = Array.from({ length: 30 }, (_, i) => 'x'.repeat(2000) + i);
    const first = pool.encode('text/chargram', many);
    await expect(pool.encode('text/chargram', many)).rejects.toMatchObject({ code: 'queue_full', status: 503 });
    await first;
    await expect(pool.encode('text/chargram', [...many, ...many])).rejects.toMatchObject({ code: 'payload_too_large', status: 413 });
  });

  it('spreads a small call over both workers while it looks expensive, and keeps it in one task once it is known to be cheap', async () => {
    const short = Array.from({ length: 3 }, (_, i) => `sku ${i}`);
    const long = Array.from({ length: 6 }, (_, i) => `${i} ${'chargram '.repeat(30)}`);
    const tasks = async (pool: ReturnType<typeof createEncoderPool>, texts: string[]) => {
      const before = pool.stats().completed;
      const out = await pool.encode('text/chargram', texts, { priority: 'bulk' });
      expect(Array.from(out.vectors)).toEqual(Array.from(encodeChargrams(texts).vectors));
      return pool.stats().completed - before;
    };
    const pools = [createEncoderPool({ threads: 2, batchSize: 8 }), createEncoderPool({ threads: 2, batchSize: 8 })];
    try {
      for (const p of pools) await p.warm('text/chargram'); // worker start-up must not count as encoding time
      // Before any chunk has run, a pool assumes a transformer's cost per unit: 3 short texts are worth splitting.
      expect(await tasks(pools[0]!, short)).toBe(2);
      // Chunks that ran teach the other pool chargram's real rate (microseconds): the same 3 short texts, one task.
      expect(await tasks(pools[1]!, long)).toBe(2);
      expect(await tasks(pools[1]!, short)).toBe(1);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });

  it('honours an aborted signal and an unknown encoder', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(pool.encode('text/chargram', ['a'], { signal: ac.signal })).rejects.toMatchObject({ code: 'aborted' });
    await expect(pool.encode('text/nope', ['a'])).rejects.toThrow(/unknown encoder "text\/nope"/);
  });
});
