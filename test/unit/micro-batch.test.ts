import { afterAll, describe, expect, it } from 'vitest';
import { createMicroBatcher, sliceBatch } from '../../service/pool/micro-batch.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encodeChargrams } from '../../service/encoders/chargram.ts';
import type { EncodedBatch } from '../../service/encoders/types.ts';

/** A fake run that records its calls and encodes each input as [value, value]. */
function fakeRun() {
  const calls: unknown[][] = [];
  const run = async (inputs: unknown[]): Promise<EncodedBatch> => {
    calls.push(inputs);
    const vectors = Float32Array.from(inputs.flatMap((x) => [Number(x), Number(x)]));
    const errors = inputs.flatMap((x, index) => (Number(x) < 0 ? [{ index, message: `bad ${x}` }] : []));
    return { dim: 2, count: inputs.length, vectors, errors };
  };
  return { calls, run };
}

describe('micro-batcher', () => {
  it('joins requests that arrive within the wait into one run and gives each its own rows and errors', async () => {
    const { calls, run } = fakeRun();
    const b = createMicroBatcher(run, { maxItems: 10, maxWaitMs: 20 });
    const [a, c, d] = await Promise.all([b.submit([1]), b.submit([2, -3]), b.submit([4])]);
    expect(calls).toEqual([[1, 2, -3, 4]]);
    expect(Array.from(a.vectors)).toEqual([1, 1]);
    expect(Array.from(c.vectors)).toEqual([2, 2, -3, -3]);
    expect(c.errors).toEqual([{ index: 1, message: 'bad -3' }]);
    expect(Array.from(d.vectors)).toEqual([4, 4]);
  });

  it('flushes at maxItems without waiting, and drops requests aborted while waiting', async () => {
    const { calls, run } = fakeRun();
    const b = createMicroBatcher(run, { maxItems: 2, maxWaitMs: 10_000 });
    const ac = new AbortController();
    const aborted = b.submit([9], ac.signal);
    ac.abort();
    const both = Promise.all([b.submit([1]), b.submit([2])]);
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    await both;
    expect(calls).toEqual([[1, 2]]);
  });

  it('slices batches', () => {
    const s = sliceBatch({ dim: 1, count: 3, vectors: Float32Array.of(1, 2, 3), errors: [{ index: 2, message: 'x' }] }, 1, 2);
    expect(s).toEqual({ dim: 1, count: 2, vectors: Float32Array.of(2, 3), errors: [{ index: 1, message: 'x' }] });
  });
});

describe('pool micro-batching (real threads)', () => {
  const pool = createEncoderPool({ threads: 1, microBatch: { maxItems: 32, maxWaitMs: 20 } });
  afterAll(() => pool.close());

  it('runs 10 concurrent one-item requests as one task with the same vectors as alone', async () => {
    await pool.warm('text/chargram');
    const before = pool.stats().completed;
    const texts = Array.from({ length: 10 }, (_, i) => `query number ${i}`);
    const out = await Promise.all(texts.map((t) => pool.encode('text/chargram', [t])));
    expect(pool.stats().completed - before).toBe(1);
    out.forEach((b, i) => expect(Array.from(b.vectors)).toEqual(Array.from(encodeChargrams([texts[i]!]).vectors)));
  });
});
