/**
 * The encoder pool under abandoned and competing work, over real HTTP with MiniLM and a real Elasticsearch:
 * a large inline rerank whose client hangs up frees the pool within about one chunk; a small search stays
 * near its normal latency while a bulk encode runs; a request over its encoder-time budget gets a 504 naming
 * the limit; a full server answers 503 with Retry-After at once. Measured figures are printed (and quoted in
 * the README's Reliability section).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex } from '../../service/es/indices.ts';
import { createEncoderPool, type EncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { createRng } from '../../training/eval/stats.ts';
import { makeApp } from '../helpers/app.ts';

const esUrl = inject('esUrl');
const base = loadConfig({ STRATA_ES_URL: esUrl });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: base.pool.threads, chunkMs: base.pool.chunkMs, context: encoderContext(base) });
const alias = `pool-${randomUUID().slice(0, 8)}`;
const encoders = base.retrieval.textEncoders;

const WORDS = 'quiet dishwasher fridge freezer compressor energy rating stainless steel drawer rack cycle noise decibel warranty install bracket water filter ice maker door seal shelf light'.split(' ');
/** Deterministic product-like documents of about `words` words (MiniLM reads up to 256 tokens of each). */
function documents(n: number, words: number, seed: number): string[] {
  const rand = createRng(seed);
  return Array.from({ length: n }, (_, i) => `Item ${i}: ${Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ')}.`);
}

const servers: Array<ReturnType<typeof serve>> = [];
async function listen(config: Config, p: EncoderPool = pool): Promise<string> {
  const { app } = await makeApp({ config, es, pool: p });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const post = (url: string, body: unknown, signal?: AbortSignal) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function poolIdle(p: EncoderPool, timeoutMs: number): Promise<number> {
  const t = performance.now();
  while (p.stats().running > 0 || p.stats().queueSize > 0) {
    if (performance.now() - t > timeoutMs) throw new Error(`pool still busy after ${timeoutMs} ms: ${JSON.stringify(p.stats())}`);
    await sleep(5);
  }
  return performance.now() - t;
}

let url: string;
beforeAll(async () => {
  await pool.warm('text/minilm');
  await ensureIndex(es, alias, { encoders });
  const docs = documents(30, 25, 7).map((text, i) => ({ line: i, ok: true as const, doc: { id: `p${i}`, title: text.slice(0, 40), description: text } as never }));
  const report = await indexDocuments(docs, { client: es, pool, index: alias, encoders, refresh: 'wait_for' });
  expect(report.indexed).toBe(30);
  url = await listen({ ...base, service: { ...base.service, index: alias } });
  // A first search warms Elasticsearch's caches, so the timings below are about the pool.
  expect((await post(`${url}/v1/search`, { query: 'warm up', top_k: 3 })).status).toBe(200);
});

afterAll(async () => {
  for (const s of servers) s.close();
  const targets = await aliasTargets(es, alias);
  if (targets.length) await es.indices.delete({ index: targets });
  await pool.close();
  await es.close();
});

describe('abandoned work', () => {
  it('frees the pool within about one chunk when a 500-document rerank is aborted after 1 s', async () => {
    const droppedBefore = pool.stats().dropped;
    const ac = new AbortController();
    const pending = post(`${url}/v1/rerank`, { query: 'quiet dishwasher', documents: documents(500, 180, 1) }, ac.signal).catch((e: Error) => e);
    await sleep(1000);
    expect(pool.stats().running).toBeGreaterThan(0);
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    const freeMs = await poolIdle(pool, 10_000);
    console.log(`[pool] 500-document rerank aborted after 1 s: pool free ${freeMs.toFixed(0)} ms after the abort; ${pool.stats().dropped - droppedBefore} chunks dropped unrun`);
    expect(pool.stats().dropped - droppedBefore).toBeGreaterThan(10);
    // Bounded by the chunks running at the abort (~100 ms each), with room for a loaded machine.
    expect(freeMs).toBeLessThan(3000);
    const t = performance.now();
    const res = await post(`${url}/v1/search`, { query: `fridge after abort ${randomUUID()}`, top_k: 3 });
    expect(res.status).toBe(200);
    console.log(`[pool] the next search took ${(performance.now() - t).toFixed(0)} ms`);
  });
});

describe('competing work', () => {
  it('answers a small search near its normal latency while a bulk encode runs', async () => {
    const search = async () => {
      const t = performance.now();
      const res = await post(`${url}/v1/search`, { query: `quiet fridge ${randomUUID()}`, top_k: 5 });
      expect(res.status).toBe(200);
      await res.json();
      return performance.now() - t;
    };
    await search();
    const idle: number[] = [];
    for (let i = 0; i < 8; i++) idle.push(await search());

    const ac = new AbortController();
    const bulk = post(`${url}/v1/indices/${alias}/documents`, { documents: documents(300, 180, 2).map((d, i) => ({ id: `bulk-${i}`, title: `bulk ${i}`, description: d })) }, ac.signal).catch(() => undefined);
    await sleep(500);
    expect(pool.stats().running).toBeGreaterThan(0);
    const busy: number[] = [];
    for (let i = 0; i < 8; i++) busy.push(await search());
    const stillBusy = pool.stats().queueSize > 0;
    ac.abort();
    await bulk;
    await poolIdle(pool, 10_000);
    console.log(`[pool] search p50 alone ${median(idle).toFixed(0)} ms, during a bulk encode ${median(busy).toFixed(0)} ms (max ${Math.max(...busy).toFixed(0)} ms)`);
    expect(stillBusy).toBe(true);
    // Before the scheduler, the same searches waited for the whole bulk encode (tens of seconds).
    expect(median(busy)).toBeLessThan(median(idle) * 2 + 250);
  });

  it('stops a request over its encoder-time budget with a 504 naming the limit', async () => {
    const tight = await listen({ ...base, pool: { ...base.pool, requestMs: 300 }, service: { ...base.service, index: alias } });
    const t = performance.now();
    const res = await post(`${tight}/v1/rerank`, { query: 'quiet dishwasher', documents: documents(300, 180, 3) });
    expect(res.status).toBe(504);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('pool_time_exceeded');
    expect(body.error.message).toMatch(/over the limit of 300 ms per request \(STRATA_POOL_REQUEST_MS\)/);
    console.log(`[pool] a 300-document rerank with a 300 ms budget was stopped after ${(performance.now() - t).toFixed(0)} ms`);
    await poolIdle(pool, 10_000);
  });

  it('answers 503 with Retry-After at once when the server has its fill of requests', async () => {
    const small = await listen({ ...base, service: { ...base.service, index: alias, maxInFlight: 2 } });
    const ac = new AbortController();
    const slow = [1, 2].map((seed) => post(`${small}/v1/rerank`, { query: 'q', documents: documents(200, 180, 10 + seed) }, ac.signal).catch(() => undefined));
    await sleep(300);
    const t = performance.now();
    const res = await post(`${small}/v1/search`, { query: 'fridge' });
    const ms = performance.now() - t;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('overloaded');
    expect(ms).toBeLessThan(1000);
    ac.abort();
    await Promise.all(slow);
    await poolIdle(pool, 10_000);
  });
});
