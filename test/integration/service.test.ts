/**
 * Every route of the service, in-process (`app.request`), against the real Elasticsearch and real encoders:
 * validation errors name fields, limits give 413/503, explain contributions add up, reload refuses a broken
 * artifact, and tenants only reach their own indices.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { encodeChargrams } from '../../service/encoders/chargram.ts';
import { trainLrHead } from '../../training/heads/train.ts';
import type { CatalogDocumentInput } from '../../service/catalog/schema.ts';
import { json, postJson } from '../helpers/http.ts';
import { makeApp } from '../helpers/app.ts';

const esUrl = inject('esUrl');
const config = loadConfig({ STRATA_ES_URL: esUrl });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
const alias = `svc-${randomUUID().slice(0, 8)}`;
const encoders = config.retrieval.textEncoders;

const MANUAL = Array.from({ length: 40 }, (_, i) => `Section ${i}: the appliance is installed with standard brackets and fittings.`).join(' ');
const CATALOG: CatalogDocumentInput[] = [
  { id: 'd1', title: 'Bosch Serie 4 quiet dishwasher', description: `${MANUAL} The dishwasher runs at 42 dB, quieter than a whisper. ${MANUAL}`, brand: 'Bosch', category: 'appliances/kitchen/dishwashers', price: 549, rating: 4.7, review_count: 820, release_date: '2025-03-01' },
  { id: 'd2', title: 'Budget dishwasher', description: 'A basic dishwasher. It is fairly loud at 52 dB.', brand: 'Cheapo', category: 'appliances/kitchen/dishwashers', price: 299, rating: 3.1, review_count: 12, release_date: '2019-05-01' },
  { id: 'd3', title: 'Premium silent dishwasher', description: 'Silent operation at 38 dB with a third rack.', brand: 'Miele', category: 'appliances/kitchen/dishwashers', price: 1499, rating: 4.8, review_count: 300, release_date: '2024-11-01' },
  { id: 'f1', title: 'Quiet fridge freezer', description: 'A fridge freezer with quiet compressor.', brand: 'Acme', category: 'appliances/kitchen/fridges', price: 899, rating: 4.2, review_count: 150, release_date: '2023-01-01' },
];

let app: Awaited<ReturnType<typeof makeApp>>['app'];
let headsDir: string;

beforeAll(async () => {
  await ensureIndex(es, alias, { encoders });
  const rows = CATALOG.map((d, i) => ({ line: i + 1, ok: true as const, doc: d as never }));
  const report = await indexDocuments(rows, { client: es, pool, index: alias, encoders, refresh: 'wait_for' });
  expect(report.indexed).toBe(CATALOG.length);
  ({ app, headsDir } = await makeApp({ config: { ...config, service: { ...config.service, index: alias } }, es, pool }));
});

afterAll(async () => {
  const targets = await aliasTargets(es, alias);
  if (targets.length) await es.indices.delete({ index: targets });
  await pool.close();
  await es.close();
});

describe('POST /v1/rerank', () => {
  it('answers in the Cohere shape with indexes into the request, top_n and documents', async () => {
    const res = await postJson(app, '/v1/rerank', {
      query: 'quiet dishwasher',
      documents: ['A loud blender for smoothies', { title: 'Quiet dishwasher', text: 'Runs at 40 dB' }, 'Dishwasher tablets'],
      rank_fields: ['title', 'text'],
      top_n: 2,
      return_documents: true,
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.results).toHaveLength(2);
    expect(body.results[0]).toMatchObject({ index: 1, document: { title: 'Quiet dishwasher', text: 'Runs at 40 dB' } });
    expect(body.results[0].relevance_score).toBeGreaterThan(body.results[1].relevance_score);
    expect(body.meta.strata.head).toMatchObject({ name: 'default' });
    expect(body.meta.api_version).toEqual({ version: '1' });
  });

  it('explains every score: the contributions add up exactly to relevance_score', async () => {
    const res = await postJson(app, '/v1/rerank', { query: 'quiet dishwasher under $600', index: alias, ids: ['d1', 'd2', 'd3'], explain: true });
    const body = await json(res);
    expect(body.meta.strata.budget).toMatchObject({ max: 600 });
    for (const r of body.results) {
      const sum = Object.values(r.contributions as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(sum).toBe(r.relevance_score);
      expect(r.features['text/chargram:sim']).toBeTypeOf('number');
    }
    // d3 is over budget: its price contribution is smaller than d1's.
    const byId = Object.fromEntries(body.results.map((r: { id: string }) => [r.id, r]));
    expect(byId.d3.contributions.price).toBeLessThan(byId.d1.contributions.price);
  });

  it('lets weights change the order per request', async () => {
    const base = { query: 'dishwasher', index: alias, ids: ['d1', 'd2'] };
    const relevanceOnly = await json(await postJson(app, '/v1/rerank', { ...base, weights: { relevance: 1, recency: 0, popularity: 0, rating: 0, trust: 0, price: 0 } }));
    const ratingHeavy = await json(await postJson(app, '/v1/rerank', { ...base, weights: { relevance: 0, rating: 1 } }));
    expect(ratingHeavy.results[0].id).toBe('d1');
    expect(relevanceOnly.results.map((r: { id: string }) => r.id)).toHaveLength(2);
    const bad = await postJson(app, '/v1/rerank', { ...base, weights: { relevance: -1 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify((await json(bad)).error)).toMatch(/weights\.relevance/);
  });

  it('accepts the Elasticsearch inference rerank shape', async () => {
    const res = await postJson(app, '/v1/rerank', { query: 'quiet dishwasher', input: ['loud blender', 'quiet dishwasher at 40 dB'] });
    const body = await json(res);
    expect(Object.keys(body)).toEqual(['rerank']);
    expect(body.rerank[0]).toMatchObject({ index: 1 });
  });

  it('warns about metadata of another type, names an object without text, refuses too many documents, and 404s on unknown ids', async () => {
    const warned = await postJson(app, '/v2/rerank', { query: 'x', documents: [{ text: 'a', release_date: 20240101 }, { text: 'b', price: 'cheap', rating: 4 }] });
    expect(warned.status).toBe(200);
    expect((await json(warned)).meta.warnings).toEqual([expect.stringMatching(/^documents\.0\.release_date: .*ignored as metadata$/), expect.stringMatching(/^documents\.1\.price: /)]);
    const many = Array.from({ length: 30 }, (_, i) => ({ text: `doc ${i}`, price: 'cheap' }));
    const capped = (await json(await postJson(app, '/v1/rerank', { query: 'x', documents: many }))).meta.warnings;
    expect(capped).toHaveLength(21);
    expect(capped[20]).toBe('... and 10 more');
    const bad = await postJson(app, '/v1/rerank', { query: 'x', documents: [{ text: 'a' }, { title: 'b', text: '  ' }] });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.details.issues).toEqual([{ path: 'documents.1', message: 'no text in text' }]);
    const none = await postJson(app, '/v1/rerank', { query: 'x' });
    expect((await json(none)).error.message).toMatch(/exactly one of documents, input, or ids/);
    const tooMany = await postJson(app, '/v1/rerank', { query: 'x', documents: Array.from({ length: config.service.maxDocuments + 1 }, () => 'd') });
    expect(tooMany.status).toBe(413);
    const missing = await postJson(app, '/v1/rerank', { query: 'x', ids: ['d1', 'nope'] });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.details.missing).toEqual(['nope']);
  });

  it('truncates over-long documents with a flag instead of rejecting them', async () => {
    const res = await postJson(app, '/v1/rerank', { query: 'x', documents: ['word '.repeat(5000), 'short'], max_tokens_per_doc: 100 });
    expect(res.status).toBe(200);
    expect((await json(res)).meta.strata.truncated_documents).toEqual([0]);
  });
});

describe('POST /v1/search', () => {
  it('retrieves, reranks and returns ranks, contributions, snippets with offsets and a took breakdown', async () => {
    const res = await postJson(app, '/v1/search', { query: 'how loud is the bosch dishwasher in dB', top_k: 3, explain: true, snippets: 1 });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.reranked).toBe(true);
    const d1 = body.hits.find((h: { id: string }) => h.id === 'd1');
    expect(d1.ranks.fused).toBeGreaterThan(0);
    const snippet = d1.snippets[0];
    expect(snippet.text).toMatch(/42 dB/);
    expect(d1.document.description.slice(snippet.start, snippet.end)).toBe(snippet.text);
    for (const key of ['embeddingMs', 'retrievalMs', 'featuresMs', 'headsMs', 'rerankMs', 'snippetsMs', 'totalMs']) expect(body.took[key]).toBeTypeOf('number');
  });

  it('gives the same order and scores as /v1/rerank by reference over the same documents', async () => {
    // Understanding off: it would filter the window to dishwashers, and this compares the same four documents.
    const search = await json(await postJson(app, '/v1/search', { query: 'quiet dishwasher', top_k: 10, understand: false }));
    const ids: string[] = search.hits.map((h: { id: string }) => h.id);
    expect(ids.length).toBe(CATALOG.length);
    const shuffled = [...ids].reverse();
    const reranked = await json(await postJson(app, '/v1/rerank', { query: 'quiet dishwasher', index: alias, ids: shuffled }));
    expect(reranked.results.map((r: { id: string }) => r.id)).toEqual(ids);
    // took covers the whole request, the first stage (query embedding, ES retrieval) included: stages add up to total.
    const took = reranked.meta.strata.took as Record<string, number>;
    expect(took.retrievalMs).toBeGreaterThan(0);
    const { totalMs, ...stages } = took;
    expect(Object.values(stages).reduce((a, b) => a + b, 0)).toBeCloseTo(totalMs!, 0);
    // kNN scores under a tight ids filter come from exact search, in the window from the quantised graph: equal to ~1e-9.
    reranked.results.forEach((r: { relevance_score: number }, i: number) => expect(r.relevance_score).toBeCloseTo(search.hits[i].score, 6));
    // The rescorer's call shape (documents with ids, index in a header) is reranked by reference too.
    const viaPlugin = await json(
      await postJson(app, '/v1/rerank', { query: 'quiet dishwasher', documents: shuffled.map((id) => ({ id, title: 'ignored', description: '' })), rank_fields: ['title', 'description'] }, { 'x-strata-index': alias }),
    );
    expect(viaPlugin.results.map((r: { index: number }) => shuffled[r.index])).toEqual(ids);
  });

  it('honours filters and rejects unknown ones', async () => {
    const res = await json(await postJson(app, '/v1/search', { query: 'quiet', filters: { category: 'appliances/kitchen/fridges' } }));
    expect(res.hits.map((h: { id: string }) => h.id)).toEqual(['f1']);
    const bad = await postJson(app, '/v1/search', { query: 'quiet', filters: { size: 3 } });
    expect(bad.status).toBe(400);
  });
});

describe('heads: serving, reload and refusal', () => {
  it('serves a head trained on the fly, and keeps it when a reload finds its artifact broken', async () => {
    const before = await json(await app.request('/v1/models'));
    expect(before.heads.map((h: { name: string }) => h.name)).toEqual(['default']);
    expect(before.encoders.find((e: { id: string }) => e.id === 'text/chargram').active).toBe(true);

    // A classify head on chargram embeddings of a few labelled texts.
    const texts = ['reset my card pin', 'forgot pin code', 'change my pin', 'card not arrived', 'where is my card', 'card delivery late'];
    const labels = [0, 0, 0, 1, 1, 1];
    const emb = encodeChargrams(texts);
    const names = Array.from({ length: emb.dim }, (_, i) => `text/chargram#${i}`);
    const artifact = trainLrHead({ rows: emb.vectors, n: texts.length, names, labels }, { name: 'intent', task: 'classify', labels: ['pin', 'delivery'], encoders: ['text/chargram'] }, { steps: 200 });
    await writeFile(path.join(headsDir, 'intent.json'), JSON.stringify(artifact));
    const reload = await app.request('/v1/models/reload', { method: 'POST' });
    expect(reload.status).toBe(200);
    const classified = await json(await postJson(app, '/v1/classify/intent', { texts: ['i forgot my pin', 'my card has not arrived yet'] }));
    expect(classified.results.map((r: { label: string }) => r.label)).toEqual(['pin', 'delivery']);

    await writeFile(path.join(headsDir, 'intent.json'), '{"format": "strata-head/1", "type": "lr"');
    const refused = await app.request('/v1/models/reload', { method: 'POST' });
    expect(refused.status).toBe(422);
    expect((await json(refused)).refused[0].file).toMatch(/intent\.json$/);
    const still = await json(await postJson(app, '/v1/classify/intent', { texts: ['i forgot my pin'] }));
    expect(still.results[0].label).toBe('pin');
    const wrongTask = await postJson(app, '/v1/rerank', { query: 'x', documents: ['a'], head: 'intent' });
    expect(wrongTask.status).toBe(400);
  });
});

describe('limits, metrics, OpenAPI', () => {
  it('maps a full pool queue to 503 with Retry-After', async () => {
    // One worker, room for 10 waiting inputs, one input per chunk: a 10-text MiniLM encode keeps 9 waiting.
    const tiny = createEncoderPool({ threads: 1, maxQueue: 10, batchSize: 1, context: encoderContext(config) });
    try {
      const { app: small } = await makeApp({ config, es, pool: tiny });
      const blocker = tiny.encode('text/minilm', Array.from({ length: 10 }, (_, i) => `passage ${i} `.repeat(100)));
      const res = await postJson(small, '/v1/rerank', { query: 'q', documents: ['a', 'b', 'c'] });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await json(res)).error.code).toBe('queue_full');
      await blocker;
    } finally {
      await tiny.close();
    }
  });

  it('counts requests in /metrics and describes the routes in /openapi.json', async () => {
    await app.request('/healthz');
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toMatch(/strata_http_requests_total\{route="\/healthz",method="GET",status="200"\} \d+/);
    expect(metrics).toMatch(/strata_pool_queue_depth \d+/);
    const doc = await json(await app.request('/openapi.json'));
    expect(doc.paths['/v1/rerank'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/RerankRequest' });
    expect(doc.components.schemas.RerankRequest.properties.query.type).toBe('string');
  });

  it('refuses a body over the size limit with 413', async () => {
    const { app: small } = await makeApp({ config: { ...config, service: { ...config.service, maxBodyBytes: 1000 } }, es, pool });
    const res = await postJson(small, '/v1/rerank', { query: 'x', documents: ['y'.repeat(5000)] });
    expect(res.status).toBe(413);
  });
});

describe('API keys and tenants', () => {
  it('requires a key and keeps each tenant to its own indices', async () => {
    const keyed = { ...config, service: { ...config.service, apiKeys: 'acme-key-123:acme,root-key-123:*' } };
    const { app: secured } = await makeApp({ config: keyed, es, pool });
    const anon = await postJson(secured, '/v1/search', { query: 'x', index: alias });
    expect(anon.status).toBe(401);
    expect((await postJson(secured, '/v2/rerank', { query: 'x', documents: ['y'] })).status).toBe(401);
    expect((await postJson(secured, '/v2/rerank', { query: 'x', documents: ['y'] }, { authorization: 'Bearer root-key-123' })).status).toBe(200);
    const other = await postJson(secured, '/v1/search', { query: 'x', index: alias }, { authorization: 'Bearer acme-key-123' });
    expect(other.status).toBe(403);
    expect((await json(other)).error.message).toMatch(/tenant "acme" may not use index/);
    const own = await postJson(secured, '/v1/indices/acme--products/documents', { documents: [{ id: 'x', title: 'Acme thing' }], refresh: 'wait_for' }, { 'x-api-key': 'acme-key-123' });
    expect(own.status).toBe(200);
    const ownSearch = await json(await postJson(secured, '/v1/search', { query: 'acme thing' }, { authorization: 'Bearer acme-key-123' }));
    expect(ownSearch.hits[0].id).toBe('x');
    const admin = await postJson(secured, '/v1/search', { query: 'dishwasher', index: alias }, { authorization: 'Bearer root-key-123' });
    expect(admin.status).toBe(200);
    const reload = await secured.request('/v1/models/reload', { method: 'POST', headers: { authorization: 'Bearer acme-key-123' } });
    expect(reload.status).toBe(403);
    const targets = await aliasTargets(es, 'acme--products');
    await es.indices.delete({ index: targets });
  });
});
