/**
 * Inline documents are embedded once: a second `/v1/rerank` over the same passages runs no encoder work (the
 * pool completes no task), returns the same scores, and `/metrics` counts the cache hits; a changed passage is
 * the only text embedded again. Real encoders (MiniLM + chargram), real HTTP handling in-process.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { json, postJson } from '../helpers/http.ts';
import { makeApp } from '../helpers/app.ts';

const esUrl = inject('esUrl');
const config = loadConfig({ STRATA_ES_URL: esUrl });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 2, context: encoderContext(config) });

afterAll(async () => {
  await pool.close();
  await es.close();
});

const PASSAGES = Array.from({ length: 24 }, (_, i) => `Passage ${i}: the dishwasher model ${i} runs at ${38 + (i % 9)} dB and has ${i % 3 ? 'a third rack' : 'no third rack'}.`);

describe('POST /v1/rerank with inline documents', () => {
  it('embeds each passage once across calls, with the same scores, and shows the hits in /metrics', async () => {
    const { app, documentEmbedder } = await makeApp({ config, es, pool });
    const body = { query: 'quiet dishwasher with a third rack', documents: PASSAGES };
    const first = await json(await postJson(app, '/v1/rerank', body));
    const afterFirst = { tasks: pool.stats().completed, cache: documentEmbedder.stats() };
    expect(afterFirst.cache.misses).toBe(PASSAGES.length * config.retrieval.textEncoders.length);

    const second = await json(await postJson(app, '/v1/rerank', body));
    expect(pool.stats().completed).toBe(afterFirst.tasks);
    expect(second.results).toEqual(first.results);
    expect(documentEmbedder.stats().hits - afterFirst.cache.hits).toBe(PASSAGES.length * config.retrieval.textEncoders.length);

    const changed = [...PASSAGES];
    changed[5] = 'Passage 5, rewritten: a very loud dishwasher without racks.';
    await postJson(app, '/v1/rerank', { ...body, documents: changed });
    expect(documentEmbedder.stats().misses - afterFirst.cache.misses).toBe(config.retrieval.textEncoders.length);

    const metrics = await (await app.request('/metrics')).text();
    const hits = Number(/^strata_document_cache_hits (\d+)/m.exec(metrics)?.[1]);
    console.log(`document cache after 3 calls: ${JSON.stringify(documentEmbedder.stats())}`);
    expect(hits).toBe(documentEmbedder.stats().hits);
    expect(metrics).toMatch(/^strata_document_cache_bytes \d+/m);
  });

  it('embeds inline documents as interactive work (a user waits on them), so they run on every worker', async () => {
    const calls: Array<{ encoder: string; items: number; priority: string | undefined }> = [];
    const spy = { ...pool, encode: ((encoder, inputs, options) => (calls.push({ encoder, items: inputs.length, priority: options?.priority }), pool.encode(encoder, inputs, options))) as typeof pool.encode };
    const { app } = await makeApp({ config, es, pool: spy });
    const documents = PASSAGES.map((p) => `${p} (priority check)`);
    const res = await json(await postJson(app, '/v1/rerank', { query: 'dishwasher with no third rack', documents }));
    expect(res.results).toHaveLength(documents.length);
    const docCalls = calls.filter((c) => c.items === documents.length);
    expect(docCalls.map((c) => c.encoder).sort()).toEqual([...config.retrieval.textEncoders].sort());
    for (const c of docCalls) expect(c.priority).toBe('interactive');
  });
});
