/**
 * The routes behind the web page, in-process against the real Elasticsearch: the page and its bundle, the index
 * list and facets (checked against the indexed documents), photo thumbnails, the read-only reports API and the
 * rescore DSL (its query run on Elasticsearch gives the service's BM25 order). With API keys on, a tenant sees
 * only its own indices and no reports or local photos.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { makeDemoCatalog } from '../../training/demo/make-catalog.ts';
import { readFashion } from '../../training/scripts/fashion-catalog.ts';
import type { CatalogDocumentInput } from '../../service/catalog/schema.ts';
import { makeApp } from '../helpers/app.ts';
import type { Json } from '../helpers/http.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data');
const esUrl = inject('esUrl');
const ADMIN = `web-api-admin-${randomUUID().slice(0, 6)}`;
const ACME = `web-api-acme-${randomUUID().slice(0, 6)}`;
const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram', STRATA_API_KEYS: `${ADMIN}:*,${ACME}:acme` });
const encoders = config.retrieval.textEncoders;
const es = createEsClient({ url: esUrl, timeoutMs: 120_000 });
const pool = createEncoderPool({ threads: 1, maxQueue: 1024, context: encoderContext(config) });
const suffix = randomUUID().slice(0, 8);
const index = `webapi-${suffix}`;
const acmeIndex = `acme--webapi-${suffix}`;
const docs: CatalogDocumentInput[] = makeDemoCatalog({ count: 60 });
let photos: CatalogDocumentInput[];
let app: Hono;
let reportsDir: string;

const get = (p: string, key = ADMIN, headers: Record<string, string> = {}) => Promise.resolve(app.request(p, { headers: { authorization: `Bearer ${key}`, ...headers } }));
const post = (p: string, body: unknown, key = ADMIN) => Promise.resolve(app.request(p, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }));

beforeAll(async () => {
  photos = (await readFashion(path.join(SHARED, 'fashion-products'), 3)).map((d) => ({ ...d, id: `photo-${d.id}` }));
  const all = [...docs, ...photos];
  for (const name of [index, acmeIndex]) {
    await ensureIndex(es, name, { encoders });
    const report = await indexDocuments(
      all.map((d, i) => ({ line: i + 1, ok: true as const, doc: d as never })),
      { client: es, pool, index: name, encoders, refresh: true },
    );
    expect(report.indexed).toBe(all.length);
  }
  reportsDir = await mkdtemp(path.join(tmpdir(), 'strata-web-api-reports-'));
  await writeFile(path.join(reportsDir, 'eval-x.json'), JSON.stringify({ command: 'strata eval rerank --index x', systems: [{ system: 'bm25' }], queries: 1 }));
  ({ app } = await makeApp({ config: { ...config, reportsDir, service: { ...config.service, index } }, es, pool }));
}, 300_000);

afterAll(async () => {
  for (const alias of [index, acmeIndex]) {
    const targets = await aliasTargets(es, alias);
    if (targets.length) await es.indices.delete({ index: targets });
  }
  await pool.close();
  await es.close();
});

describe('the page', () => {
  it('serves the HTML with its defaults and a strict content policy, and the bundle it links', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await res.text();
    const boot = JSON.parse(html.match(/<script type="application\/json" id="strata-config">(.*?)<\/script>/)![1]!) as Json;
    expect(boot).toMatchObject({ index, auth: true, weights: { relevance: 1 }, signals: expect.arrayContaining(['relevance', 'image']) });
    expect(html).not.toContain(ADMIN);
    for (const asset of ['app.js', 'app.css']) {
      expect(html).toContain(`/assets/${asset}`);
      const a = await app.request(`/assets/${asset}`);
      expect(a.status).toBe(200);
      expect(a.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /javascript/ : /css/);
      expect((await a.text()).length).toBeGreaterThan(1000);
      const again = await app.request(`/assets/${asset}`, { headers: { 'if-none-match': a.headers.get('etag')! } });
      expect(again.status).toBe(304);
    }
    const missing = await app.request('/assets/nope.js');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Json).error.code).toBe('not_found');
  });
});

describe('indices and facets', () => {
  it('lists the product indices a key may use', async () => {
    const admin = ((await (await get('/v1/indices')).json()) as Json).indices as Json[];
    const mine = admin.find((i) => i.name === index);
    expect(mine).toMatchObject({ alias: true, documents: docs.length + photos.length, encoders, image_encoder: null });
    expect(admin.map((i) => i.name)).toContain(acmeIndex);
    const acme = ((await (await get('/v1/indices', ACME)).json()) as Json).indices as Json[];
    expect(acme.map((i) => i.name)).toEqual([acmeIndex]);
    expect((await get('/v1/indices', 'wrong-key-123')).status).toBe(401);
  });

  it('offers the values the index holds: brands and categories with counts, ranges, attributes by type', async () => {
    const res = await get(`/v1/indices/${index}/facets`);
    expect(res.status).toBe(200);
    const f = (await res.json()) as Json;
    const count = (pred: (d: CatalogDocumentInput) => boolean) => [...docs, ...photos].filter(pred).length;
    expect(f.documents).toBe(docs.length + photos.length);
    for (const b of f.brands as Json[]) expect(b.count).toBe(count((d) => d.brand === b.value));
    expect((f.brands as Json[]).reduce((s, b) => s + b.count, 0)).toBe(count((d) => d.brand !== undefined));
    for (const c of f.categories as Json[]) expect(c.count).toBe(count((d) => d.category === c.value || String(d.category).startsWith(`${c.value}/`)));
    const prices = docs.map((d) => d.price).filter((p): p is number => typeof p === 'number');
    expect(f.price).toEqual({ min: Math.min(...prices), max: Math.max(...prices) });
    const attr = (name: string) => (f.attributes as Json[]).find((a) => a.name === name);
    const types = new Map(docs.flatMap((d) => Object.entries(d.attributes ?? {})).map(([k, v]) => [k, typeof v]));
    for (const [name, type] of types) expect(attr(name)?.type).toBe(type === 'number' ? 'number' : type === 'boolean' ? 'boolean' : 'keyword');
    expect(attr('synthetic')).toMatchObject({ values: [{ value: 'true', count: docs.length }], more: false });
    expect(f.release_date.min <= f.release_date.max).toBe(true);
    expect((await get(`/v1/indices/${index}/facets`, ACME)).status).toBe(403);
    expect((await get('/v1/indices/Bad Name/facets')).status).toBe(400);
  });
});

describe('photos', () => {
  it('serves a local photo as a small JPEG to an administrator, and refuses tenants and documents without one', async () => {
    const res = await get(`/v1/indices/${index}/documents/${photos[0]!.id}/photo`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(320);
    expect((await get(`/v1/indices/${acmeIndex}/documents/${photos[0]!.id}/photo`, ACME)).status).toBe(403);
    const none = await get(`/v1/indices/${index}/documents/${docs[0]!.id}/photo`);
    expect(none.status).toBe(404);
    expect(((await none.json()) as Json).error.message).toMatch(/photo/);
    expect((await get(`/v1/indices/${index}/documents/no-such-id/photo`)).status).toBe(404);
  });
});

describe('reports', () => {
  it('lists and reads reports for administrators only, by name only', async () => {
    const list = (await (await get('/v1/reports')).json()) as Json;
    expect(list).toMatchObject({ dir: reportsDir, reports: [{ name: 'eval-x', kind: 'eval-rerank', command: 'strata eval rerank --index x' }] });
    const one = (await (await get('/v1/reports/eval-x')).json()) as Json;
    expect(one.report).toMatchObject({ queries: 1 });
    expect((await get('/v1/reports', ACME)).status).toBe(403);
    expect((await get('/v1/reports/..%2Fsecret')).status).toBe(400);
    expect((await get('/v1/reports/nope')).status).toBe(404);
  });
});

describe('the rescore DSL of a search', () => {
  it('is the BM25 query and filters the service runs, plus rescore.strata, with notes on what it cannot carry', async () => {
    const search = { query: 'quiet dishwasher', index, filters: { price: { lte: 900 } }, top_k: 5, rerank: { head: 'default', weights: { relevance: 1, recency: 0.5 } } };
    const res = await post('/v1/search/dsl', search);
    expect(res.status).toBe(200);
    const dsl = (await res.json()) as Json;
    expect(dsl.path).toBe(`/${index}/_search`);
    expect(dsl.body.rescore).toEqual({ window_size: config.retrieval.window, strata: { query: 'quiet dishwasher', head: 'default', fields: ['title', 'description'], index_name: index, on_failure: 'keep_order', score_mode: 'replace' } });
    expect(dsl.notes.join(' ')).toMatch(/recency 0\.5/);
    expect(dsl.notes.join(' ')).not.toMatch(/relevance 1/);
    // Its first stage, run on Elasticsearch, is the service's BM25 order.
    const { rescore: _rescore, ...firstStage } = dsl.body;
    const hits = (await es.search({ index, ...firstStage })).hits.hits.map((h) => h._id);
    const service = (await (await post('/v1/search', { ...search, mode: 'bm25', rerank: false })).json()) as Json;
    expect(hits).toEqual(service.hits.map((h: Json) => h.id));
    expect(hits.length).toBeGreaterThan(1);
    const bad = await post('/v1/search/dsl', { ...search, filters: { price: { gte: 9, lte: 1 } } });
    expect(bad.status).toBe(400);
    expect((await post('/v1/search/dsl', { query: 'x', index }, ACME)).status).toBe(403);
  });
});
