import { describe, expect, it } from 'vitest';
import type { EncodedBatch } from '../../service/encoders/types.ts';
import { createDocumentEmbedder } from '../../service/usecases/document-embeddings.ts';

// A deterministic stand-in for the pool (pure logic under test): the vector of a text is [length, first char
// code, call number]; texts containing "bad" are item errors, and `fail` makes a whole call reject.
function fakePool({ fail = false, delayMs = 0 } = {}) {
  const calls: unknown[][] = [];
  const pool = {
    fail,
    async encode(_encoder: string, inputs: unknown[]): Promise<EncodedBatch> {
      calls.push(inputs);
      const call = calls.length;
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      if (pool.fail) throw new Error('pool down');
      const vectors = new Float32Array(inputs.length * 3);
      const errors: EncodedBatch['errors'] = [];
      inputs.forEach((t, i) => {
        if (typeof t !== 'string' || t.includes('bad')) return void errors.push({ index: i, message: `cannot embed ${String(t)}` });
        vectors.set([t.length, t.charCodeAt(0), call], i * 3);
      });
      return { dim: 3, count: inputs.length, vectors, errors };
    },
  };
  return { pool, calls };
}

const row = (b: EncodedBatch, i: number) => [...b.vectors.subarray(i * b.dim, (i + 1) * b.dim)];

describe('createDocumentEmbedder', () => {
  it('embeds each distinct text once: repeats within a call and in later calls come from the cache', async () => {
    const { pool, calls } = fakePool();
    const docs = createDocumentEmbedder(pool);
    const first = await docs.encode('text/minilm', ['a long passage', 'b', 'a long passage', 'cc']);
    expect(calls).toEqual([['b', 'cc', 'a long passage']]); // distinct, shortest first
    expect(row(first, 0)).toEqual(row(first, 2));
    expect(row(first, 1)).toEqual([1, 98, 1]);
    const again = await docs.encode('text/minilm', ['cc', 'a long passage']);
    expect(calls.length).toBe(1);
    expect(row(again, 0)).toEqual(row(first, 3));
    expect(row(again, 1)).toEqual(row(first, 0));
    expect(docs.stats()).toMatchObject({ entries: 3, hits: 3, misses: 3, evictions: 0 });
  });

  it('keys on the encoder fingerprint: other encoder, other model version, other entry', async () => {
    const { pool, calls } = fakePool();
    let version = 'v1';
    const docs = createDocumentEmbedder(pool, { fingerprint: (e) => `${e}@${version}` });
    await docs.encode('text/minilm', ['x']);
    await docs.encode('text/chargram', ['x']);
    version = 'v2';
    await docs.encode('text/minilm', ['x']);
    expect(calls.length).toBe(3);
  });

  it('stays within its byte bound, evicting least recently used vectors', async () => {
    const { pool } = fakePool();
    const docs = createDocumentEmbedder(pool, { maxBytes: 1000 });
    for (let i = 0; i < 50; i++) await docs.encode('e', [`text number ${i}`]);
    const s = docs.stats();
    expect(s.bytes).toBeLessThanOrEqual(1000);
    expect(s.entries).toBeGreaterThan(0);
    expect(s.entries + s.evictions).toBe(50);
  });

  it('answers refused items with their error and a zero row, and never caches them', async () => {
    const { pool, calls } = fakePool();
    const docs = createDocumentEmbedder(pool);
    const out = await docs.encode('e', ['ok', 'bad one', 42 as unknown as string, 'bad one']);
    expect(out.errors.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(row(out, 1)).toEqual([0, 0, 0]);
    await docs.encode('e', ['bad one']);
    expect(calls.length).toBe(2);
    expect(docs.stats().entries).toBe(1);
  });

  it('concurrent calls for the same text share one embedding; when that call fails, the other embeds it itself', async () => {
    const shared = fakePool({ delayMs: 20 });
    const docs = createDocumentEmbedder(shared.pool);
    const [a, b] = await Promise.all([docs.encode('e', ['same text']), docs.encode('e', ['same text', 'other'])]);
    expect(shared.calls).toEqual([['same text'], ['other']]);
    expect(row(a, 0)).toEqual(row(b, 0));

    const failing = fakePool({ delayMs: 20, fail: true });
    const docs2 = createDocumentEmbedder(failing.pool);
    const first = docs2.encode('e', ['text']);
    const second = docs2.encode('e', ['text']);
    await expect(first).rejects.toThrow('pool down');
    failing.pool.fail = false;
    expect(row(await second, 0)[0]).toBe(4);
    expect(failing.calls.length).toBe(2);
  });
});
