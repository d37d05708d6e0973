/**
 * Regression tests for each defect of issue 10 parts 4-8, over the in-process app with a real Elasticsearch:
 * caller mistakes are 4xx naming the field (never a 5xx), ids are checked in bytes, a batch that half-succeeded
 * is reported per document (207) even when Elasticsearch fails mid-way, and writes need JSON from this origin.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasState } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { json, postJson, type Json } from '../helpers/http.ts';
import { makeApp } from '../helpers/app.ts';

const esUrl = inject('esUrl');
const run = randomUUID().slice(0, 8);
const index = `mistakes-${run}`;
const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram', STRATA_INDEX: index });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
const made = [index];
let app: Awaited<ReturnType<typeof makeApp>>['app'];

beforeAll(async () => {
  ({ app } = await makeApp({ config, es, pool }));
  const res = await postJson(app, `/v1/indices/${index}/documents`, {
    documents: [{ id: 'a', title: 'quiet fridge', attributes: { weight_kg: 50, color: 'white', frost_free: true }, release_date: '2024-01-01' }],
    refresh: 'wait_for',
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  for (const alias of made) {
    const { targets } = await aliasState(es, alias);
    if (targets.length) await es.indices.delete({ index: targets });
  }
  await pool.close();
  await es.close();
});

/** Asserts a 4xx in the one error shape whose issues (or message) name `field`. */
async function expectNamed(res: Response, status: number, field: string) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  const paths: string[] = (body.error.details?.issues ?? []).map((i: Json) => i.path);
  expect(paths.some((p) => p === field || p.startsWith(`${field}.`)) || body.error.message.includes(field), `${field} in ${JSON.stringify(body)}`).toBe(true);
  return body.error;
}

describe('caller mistakes are 4xx naming the field', () => {
  it('a deeply nested inline document (was a 500 stack overflow)', async () => {
    const body = `{"query":"x","documents":[{"title":${'['.repeat(5000)}1${']'.repeat(5000)}}]}`;
    const res = await app.request('/v1/rerank', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const error = await expectNamed(res, 400, 'documents.0.title');
    expect(error.message).toMatch(/nested deeper than 32 levels/);
  });

  it('filter values Elasticsearch would choke on (were 502s)', async () => {
    await expectNamed(await postJson(app, '/v1/search', { query: 'fridge', filters: { attributes: { weight_kg: 'heavy' } } }), 400, 'filters.attributes.weight_kg');
    await expectNamed(await postJson(app, '/v1/search', { query: 'fridge', filters: { attributes: { frost_free: { gte: 1 } } } }), 400, 'filters.attributes.frost_free');
    await expectNamed(await postJson(app, '/v1/search', { query: 'fridge', filters: { category: 'x'.repeat(1000) } }), 400, 'filters.category');
    await expectNamed(await postJson(app, '/v1/search', { query: 'fridge', filters: { release_date: { gte: 'now-abc' } } }), 400, 'filters.release_date');
    await expectNamed(await postJson(app, '/v1/search', { query: 'fridge', filters: { ids: Array.from({ length: 10_001 }, (_, i) => `${i}`) } }), 400, 'filters.ids');
    await expectNamed(await postJson(app, '/v1/rerank', { query: 'fridge', index, ids: [] }), 400, 'ids');
    // Valid ones still work.
    const ok = await postJson(app, '/v1/search', { query: 'fridge', filters: { attributes: { weight_kg: { gte: 10 }, frost_free: true }, release_date: { gte: 'now-5y/d' } } });
    expect(ok.status).toBe(200);
    expect((await json(ok)).hits.map((h: Json) => h.id)).toEqual(['a']);
  });

  it('a missing index is a 404 naming it (was a 502)', async () => {
    const missing = `nope-${run}`;
    for (const res of [
      await postJson(app, '/v1/search', { query: 'fridge', index: missing }),
      await postJson(app, '/v1/rerank', { query: 'fridge', index: missing, ids: ['a'] }),
      await postJson(app, '/v1/search', { query: 'fridge', index: missing, filters: { attributes: { color: 'white' } } }),
    ]) {
      const error = await expectNamed(res, 404, 'index');
      expect(error.message).toBe(`index "${missing}" not found`);
    }
  });

  it('a body of null, of an array, of broken JSON, and __proto__ in attributes', async () => {
    const raw = (body: string) => app.request('/v1/search', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect((await expectNamed(await raw('null'), 400, '(body)')).message).toMatch(/must be a JSON object, got null/);
    expect((await expectNamed(await raw('[]'), 400, '(body)')).message).toMatch(/got an array/);
    expect((await expectNamed(await raw('{"query":'), 400, '(body)')).message).toMatch(/not valid JSON/);
    await expectNamed(await raw('{"query":"x","filters":{"attributes":{"__proto__":{"gte":1}}}}'), 400, 'filters.attributes.__proto__');
  });

  it('unknown top-level keys on the documents routes, and an all-invalid batch, in the one error shape', async () => {
    await expectNamed(await postJson(app, `/v1/indices/${index}/documents`, { documents: [{ id: 'x', title: 'x' }], refesh: true }), 400, 'refesh');
    await expectNamed(await postJson(app, `/v1/indices/${index}/documents/_delete`, { ids: ['x'], force: true }), 400, 'force');
    const error = await expectNamed(await postJson(app, `/v1/indices/${index}/documents`, { documents: [{ id: 'x' }, { title: 'y', price: 'cheap' }] }), 400, 'documents.0.title');
    expect(error.details.issues.map((i: Json) => i.path)).toEqual(expect.arrayContaining(['documents.0.title', 'documents.1.price']));
  });
});

describe('ids in bytes, and batches reported per document', () => {
  it('an id of 171 CJK characters (513 bytes) is refused by position; the rest of the batch is stored (207)', async () => {
    const docs = Array.from({ length: 20 }, (_, i) => ({ id: i === 7 ? '中'.repeat(171) : `ok-${i}`, title: `item ${i}` }));
    const res = await postJson(app, `/v1/indices/${index}/documents`, { documents: docs, refresh: 'wait_for' });
    expect(res.status).toBe(207);
    const body = await json(res);
    expect(body).toMatchObject({ indexed: 19, failed: 1, unknown: 0 });
    expect(body.errors).toEqual([{ position: 7, status: 'invalid', errors: ['id: must be at most 512 bytes in UTF-8'] }]);
    expect((await es.count({ index, query: { prefix: { id: 'ok-' } } })).count).toBe(19);
    await expectNamed(await app.request(`/v1/indices/${index}/documents/${encodeURIComponent('中'.repeat(171))}`, { method: 'DELETE' }), 400, 'id');
  });

  it('documents Elasticsearch refuses are listed as rejected, the others are stored', async () => {
    const res = await postJson(app, `/v1/indices/${index}/documents`, {
      documents: [{ id: 'r0', title: 'fine' }, { id: 'r1', title: 'clashes', attributes: { weight_kg: 'heavy' } }, { id: 'r2', title: 'fine too' }],
      refresh: 'wait_for',
    });
    expect(res.status).toBe(207);
    const body = await json(res);
    expect(body).toMatchObject({ indexed: 2, failed: 1 });
    expect(body.errors).toEqual([{ position: 1, id: 'r1', status: 'rejected', errors: [expect.stringMatching(/weight_kg/)] }]);
  });

  it('when Elasticsearch fails mid-batch: 207, every stored document counted, every other one listed', async () => {
    // A proxy that passes the first bulk request and fails every later one, as a node dying mid-indexing would.
    let bulks = 0;
    const proxy = http.createServer((req, res) => {
      const isBulk = req.url?.includes('_bulk') ?? false;
      if (isBulk && ++bulks > 1) {
        req.resume();
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"type":"unavailable","reason":"node going away"},"status":503}');
        return;
      }
      // A fresh connection per request (no keep-alive reuse of a socket Elasticsearch may have closed).
      const upstream = http.request(`${esUrl}${req.url}`, { method: req.method, headers: req.headers, agent: false }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', (err) => res.destroy(err));
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const proxied = createEsClient({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    const target = `midway-${run}`;
    made.push(target);
    try {
      const { app: flaky } = await makeApp({ config, es: proxied, pool });
      // ~10 KB of text per document: 400 of them need two bulk requests (5 MB each).
      const docs = Array.from({ length: 400 }, (_, i) => ({ id: `m${i}`, title: `item ${i}`, description: `word${i} `.repeat(1500) }));
      const res = await postJson(flaky, `/v1/indices/${target}/documents`, { documents: docs, refresh: 'wait_for' });
      const body = await json(res);
      expect(bulks, JSON.stringify(body).slice(0, 500)).toBeGreaterThan(1);
      expect(res.status).toBe(207);
      await es.indices.refresh({ index: target });
      const stored = (await es.count({ index: target })).count;
      expect(body.indexed).toBe(stored);
      expect(stored).toBeGreaterThan(0);
      expect(body.indexed + body.errors.length).toBe(400);
      expect(body.interrupted.code).toBe('es_error');
      expect(body.errors.every((e: Json) => e.status === 'unknown' || e.status === 'not_indexed')).toBe(true);
      // Never "failed" for a stored document: everything listed is absent from the index.
      const listed: string[] = body.errors.map((e: Json) => `m${e.position}`);
      const found = await es.mget({ index: target, ids: listed, _source: false });
      expect(found.docs.filter((d) => 'found' in d && d.found)).toEqual([]);
    } finally {
      proxy.close();
      await proxied.close();
    }
  });
});

describe('cross-site writes', () => {
  it('refuses text/plain bodies (415) and writes from another origin (403); the service\'s own page may write', async () => {
    const write = (headers: Record<string, string>) =>
      app.request(`/v1/indices/${index}/documents`, { method: 'POST', body: JSON.stringify({ documents: [{ id: 'csrf', title: 'x' }] }), headers });
    await expectNamed(await write({ 'content-type': 'text/plain' }), 415, 'content-type');
    expect((await write({ 'content-type': 'application/json', origin: 'https://evil.example', host: '127.0.0.1:8787' })).status).toBe(403);
    expect((await app.request(`/v1/indices/${index}/documents/a`, { method: 'DELETE', headers: { origin: 'https://evil.example', host: '127.0.0.1:8787' } })).status).toBe(403);
    expect((await es.exists({ index, id: 'a' }))).toBe(true);
    expect((await write({ 'content-type': 'application/json', origin: 'http://127.0.0.1:8787', host: '127.0.0.1:8787', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });
});
