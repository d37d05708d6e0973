/**
 * Indexing and hybrid retrieval against the real Elasticsearch: filters hold in both BM25 and kNN, documents
 * indexed with `wait_for` are found by the next search, deleted ones are not, and failures are specific.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { ensureIndex, swapAlias, createProductIndex, versionedName, aliasTargets, indexEncoders } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { retrieve } from '../../service/retrieval/hybrid.ts';
import { makeApp } from '../helpers/app.ts';
import type { CatalogRow } from '../../service/catalog/read.ts';
import type { CatalogDocumentInput } from '../../service/catalog/schema.ts';
import { json, postJson } from '../helpers/http.ts';

const esUrl = inject('esUrl');
// The hashing encoder alone: these tests are about retrieval mechanics (filters, fusion, codes), not semantics.
const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram' });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1 });
const alias = `test-${randomUUID().slice(0, 8)}`;
const encoders = ['text/chargram'];

const CATALOG: CatalogDocumentInput[] = [
  { id: 'f1', title: 'Acme quiet fridge RF28R7351SG', brand: 'Acme', category: 'appliances/kitchen/fridges', price: 1299, rating: 4.5, release_date: '2024-03-01', attributes: { energy_class: 'A', capacity_l: 520 } },
  { id: 'f2', title: 'Budget fridge freezer', brand: 'Coolio', category: 'appliances/kitchen/fridges', price: 399, rating: 3.9, release_date: '2021-06-15', attributes: { energy_class: 'C', capacity_l: 300 } },
  { id: 'f3', title: 'Compact mini fridge', brand: 'Coolio', category: 'appliances/kitchen/fridges', price: 149, rating: 4.1, release_date: '2023-01-10', attributes: { energy_class: 'B', capacity_l: 45 } },
  { id: 'd1', title: 'Silent dishwasher with <b>AquaStop</b>', description: '<p>Very quiet: 42 dB.</p>', brand: 'Bosch', category: 'appliances/kitchen/dishwashers', price: 649, rating: 4.7, release_date: '2025-02-01', attributes: { energy_class: 'A' } },
  { id: 't1', title: '55 inch OLED TV', brand: 'Vizio', category: 'electronics/tv', price: 999, rating: 4.6, release_date: '2025-09-01', attributes: { screen_in: 55 } },
  { id: 't2', title: 'Fridge magnet TV remote holder', brand: 'Gadgetry', category: 'electronics/accessories', price: 9, rating: 2.5, release_date: '2019-01-01' },
];

const rows = (docs: CatalogDocumentInput[]): CatalogRow[] => docs.map((d, i) => ({ line: i + 1, ok: true, doc: { ...d, id: String(d.id) } as never }));

beforeAll(async () => {
  await ensureIndex(es, alias, { encoders });
  const report = await indexDocuments(rows(CATALOG), { client: es, pool, index: alias, encoders, refresh: 'wait_for' });
  expect(report).toMatchObject({ indexed: CATALOG.length, dropped: [], invalid: [] });
});

afterAll(async () => {
  const targets = await aliasTargets(es, alias);
  if (targets.length) await es.indices.delete({ index: targets });
  await pool.close();
  await es.close();
});

describe('hybrid retrieval on a real Elasticsearch', () => {
  it('finds a product by a partial product code (chargram kNN) and by words (BM25)', async () => {
    const { candidates } = await retrieve({ client: es, pool, index: alias, query: 'RF28R7351', window: 5 });
    expect(candidates[0]!.id).toBe('f1');
    expect(candidates[0]!.knn?.rank).toBe(1);
    const words = await retrieve({ client: es, pool, index: alias, query: 'quiet dishwasher', window: 5 });
    expect(words.candidates[0]!.id).toBe('d1');
    expect(words.candidates[0]!.bm25?.rank).toBe(1);
  });

  it('applies the same filters to BM25 and to kNN', async () => {
    const filters = { price: { lte: 500 }, category: 'appliances/kitchen' };
    const { candidates } = await retrieve({ client: es, pool, index: alias, query: 'fridge', filters, window: 10 });
    const ids = candidates.map((c) => c.id).sort();
    expect(ids).toEqual(['f2', 'f3']);
    // Without the filter kNN alone would return every document; with it, only the two match in both lists.
    expect(candidates.every((c) => c.knn !== null)).toBe(true);
    const knnOnly = await retrieve({ client: es, pool, index: alias, query: 'fridge', filters, mode: 'knn', window: 10 });
    expect(knnOnly.candidates.map((c) => c.id).sort()).toEqual(['f2', 'f3']);
    const attr = await retrieve({ client: es, pool, index: alias, query: 'fridge', filters: { attributes: { capacity_l: { gte: 400 } } }, window: 10 });
    expect(attr.candidates.map((c) => c.id)).toEqual(['f1']);
  });

  it('stores cleaned text', async () => {
    const doc = await es.get<{ title: string; description: string }>({ index: alias, id: 'd1' });
    expect(doc._source).toMatchObject({ title: 'Silent dishwasher with AquaStop', description: 'Very quiet: 42 dB.' });
  });
});

describe('documents over HTTP', async () => {
  const { app } = await makeApp({ config, es, pool });
  const post = (path: string, body: unknown) => postJson(app, path, body);

  it('makes a document indexed with wait_for visible to the next search, and a deleted one invisible', async () => {
    const add = await post(`/v1/indices/${alias}/documents`, {
      documents: [{ id: 'new1', title: 'Zebra-striped espresso machine ZX900', price: 250 }],
      refresh: 'wait_for',
    });
    expect(add.status).toBe(200);
    expect(await json(add)).toMatchObject({ indexed: 1, failed: 0 });
    const found = await json(await post('/v1/search', { query: 'zebra espresso', index: alias, top_k: 3, rerank: false }));
    expect(found.hits[0]).toMatchObject({ id: 'new1', ranks: { fused: 1 } });
    // The first-stage score is the RRF sum over the lists the hit is in.
    for (const h of found.hits) {
      const rrf = [h.ranks.bm25, h.ranks.knn].filter((r) => r !== null).reduce((s: number, r: number) => s + 1 / (config.retrieval.rrfK + r), 0);
      expect(h.score).toBeCloseTo(rrf, 12);
      expect(h.scores.fused).toBe(h.score);
    }
    expect(found.took.totalMs).toBeGreaterThan(0);

    const del = await app.request(`/v1/indices/${alias}/documents/new1?refresh=wait_for`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    const after = await json(await post('/v1/search', { query: 'zebra espresso', index: alias, top_k: 3, rerank: false }));
    expect(after.hits.map((h: { id: string }) => h.id)).not.toContain('new1');
    const again = await app.request(`/v1/indices/${alias}/documents/new1`, { method: 'DELETE' });
    expect(again.status).toBe(404);
  });

  it('indexes the good documents of a batch and reports the bad ones by position and field', async () => {
    const res = await post(`/v1/indices/${alias}/documents`, {
      documents: [{ id: 'ok1', title: 'Kettle' }, { id: 'bad1', title: 'Toaster', price: -3 }, { title: 'no id' }],
      refresh: 'wait_for',
    });
    expect(res.status).toBe(207);
    const body = await json(res);
    expect(body.indexed).toBe(1);
    expect(body.errors).toEqual([
      { position: 1, status: 'invalid', errors: [expect.stringMatching(/^price: /)] },
      { position: 2, status: 'invalid', errors: [expect.stringMatching(/^id: /)] },
    ]);
  });

  it('answers 400 naming an unknown filter field or a bad range', async () => {
    const unknown = await post('/v1/search', { query: 'x', index: alias, filters: { colour: 'red' } });
    expect(unknown.status).toBe(400);
    const body = await json(unknown);
    expect(body.error.code).toBe('validation');
    expect(JSON.stringify(body.error.details)).toMatch(/colour/);
    const range = await post('/v1/search', { query: 'x', index: alias, filters: { price: { gte: 10, lte: 1 } } });
    expect(range.status).toBe(400);
    expect((await json(range)).error.details.issues[0].path).toBe('filters.price');
  });

  it('says clearly when Elasticsearch is not running', async () => {
    const down = createEsClient({ url: 'http://127.0.0.1:1' });
    const { app: app2 } = await makeApp({ config, es: down, pool });
    const res = await app2.request('/v1/search', { method: 'POST', body: JSON.stringify({ query: 'fridge', mode: 'bm25' }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(502);
    const body = await json(res);
    expect(body.error.code).toBe('es_unavailable');
    expect(body.error.message).toMatch(/http:\/\/127\.0\.0\.1:1.*strata es start/);
    const ready = await app2.request('/readyz');
    expect(ready.status).toBe(503);
    await down.close();
  });
});

describe('blue/green re-index', () => {
  it('swaps the alias atomically and refuses an index whose dims differ from the registry', async () => {
    const next = versionedName(alias);
    await createProductIndex(es, next, { encoders });
    await indexDocuments(rows(CATALOG.slice(0, 2)), { client: es, pool, index: next, encoders, refresh: 'wait_for' });
    const removed = await swapAlias(es, alias, next);
    expect(removed).toHaveLength(1);
    expect(await aliasTargets(es, alias)).toEqual([next]);
    expect((await es.count({ index: alias })).count).toBe(2);

    // The encoder order survives in the mapping (Elasticsearch returns object keys sorted; the order list is kept).
    const ordered = `test-order-${randomUUID().slice(0, 8)}`;
    await createProductIndex(es, ordered, { encoders: ['text/minilm-int8', 'text/chargram'] });
    expect((await indexEncoders(es, ordered)).order).toEqual(['text/minilm-int8', 'text/chargram']);
    await es.indices.delete({ index: ordered });

    const odd = `test-dims-${randomUUID().slice(0, 8)}`;
    await es.indices.create({ index: odd, mappings: { properties: { vec_text_chargram: { type: 'dense_vector', dims: 8 } } } });
    await expect(ensureIndex(es, odd, { encoders })).rejects.toThrow(/dims 8 but encoder text\/chargram in the registry has dim 384/);
    await es.indices.delete({ index: odd });
  });
});
