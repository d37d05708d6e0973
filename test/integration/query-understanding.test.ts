/**
 * Query understanding through `/v1/search` on the real Elasticsearch, over the demo catalog: understood filters
 * and negations are applied to the hits, explicit filters win, an empty filtered result falls back to the
 * unfiltered query (and says so), `understand: false` turns it off, removed chips stay out, the vocabulary is
 * read with aggregations (and by scanning, equally) and refreshed after a write, and the optional LLM parser is
 * used through a local stub of an OpenAI-compatible endpoint, falling back to the built-in parser on failure.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { fetchVocabularyFacts } from '../../service/query/fetch-vocabulary.ts';
import { UnderstoodSchema } from '../../service/query/schema.ts';
import { makeDemoCatalog } from '../../training/demo/make-catalog.ts';
import type { CatalogDocumentInput } from '../../service/catalog/schema.ts';
import { json, postJson, type Json } from '../helpers/http.ts';
import { makeApp } from '../helpers/app.ts';

const esUrl = inject('esUrl');
// The hashing encoder alone: these tests are about what understanding does to filters, not about semantics.
const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram' });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1 });
const alias = `qu-${randomUUID().slice(0, 8)}`;
const encoders = ['text/chargram'];
const CATALOG: CatalogDocumentInput[] = makeDemoCatalog({ count: 300 });

let app: Awaited<ReturnType<typeof makeApp>>['app'];

beforeAll(async () => {
  await ensureIndex(es, alias, { encoders });
  const rows = CATALOG.map((d, i) => ({ line: i + 1, ok: true as const, doc: d as never }));
  const report = await indexDocuments(rows, { client: es, pool, index: alias, encoders, refresh: 'wait_for' });
  expect(report.indexed).toBe(CATALOG.length);
  ({ app } = await makeApp({ config: { ...config, service: { ...config.service, index: alias } }, es, pool }));
});

afterAll(async () => {
  const targets = await aliasTargets(es, alias);
  if (targets.length) await es.indices.delete({ index: targets });
  await pool.close();
  await es.close();
});

const search = async (body: Record<string, unknown>) => {
  const res = await postJson(app, '/v1/search', { top_k: 20, snippets: false, ...body });
  expect(res.status).toBe(200);
  return json(res);
};
const docs = (body: Json) => body.hits.map((h: Json) => h.document);

describe('understood filters in /v1/search', () => {
  it('applies brand, category, size and budget read from the query, and reports every span with offsets', async () => {
    // A combination the catalog has: the first TV's brand and size, with a budget above its price.
    const tv = CATALOG.find((d) => d.category === 'electronics/tv')!;
    const query = `${tv.brand!.toLowerCase()} ${String(tv.attributes!.screen_in)} inch tv under $${Math.ceil(tv.price! / 100) * 100}`;
    const body = await search({ query });
    expect(body.understood.parser).toBe('builtin');
    // The response is exactly the documented schema (the OpenAPI document is generated from it).
    expect(UnderstoodSchema.parse(body.understood)).toEqual(body.understood);
    expect(body.took.understandMs).toBeTypeOf('number');
    const fields = body.understood.spans.map((s: Json) => s.field);
    expect(fields).toEqual(['brand', 'attributes.screen_in', 'category', 'price']);
    for (const s of body.understood.spans) {
      expect(query.slice(s.start, s.end)).toBe(s.text);
      expect(s.status).toBe('applied');
    }
    expect(body.hits.length).toBeGreaterThan(0);
    expect(body.hits.map((h: Json) => h.id)).toContain(tv.id);
    for (const d of docs(body)) {
      expect(d.brand).toBe(tv.brand);
      expect(d.category).toBe('electronics/tv');
      expect(d.attributes.screen_in).toBe(tv.attributes!.screen_in);
      expect(d.price).toBeLessThanOrEqual(Math.ceil(tv.price! / 100) * 100);
    }
    // Without understanding the same words find other brands and sizes too.
    const plain = await search({ query, understand: false });
    expect(plain.understood).toBeUndefined();
    expect(docs(plain).some((d: Json) => d.brand !== tv.brand || d.attributes.screen_in !== tv.attributes!.screen_in)).toBe(true);
  });

  it('applies a negation as an exclusion: no Bosch dishwasher comes back', async () => {
    const body = await search({ query: 'quiet dishwasher, not bosch' });
    expect(body.understood.negations).toEqual({ brand: 'Bosch' });
    expect(body.hits.length).toBeGreaterThan(0);
    for (const d of docs(body)) {
      expect(d.brand).not.toBe('Bosch');
      expect(d.category).toBe('appliances/kitchen/dishwashers');
    }
    const withBosch = await search({ query: 'quiet dishwasher, not bosch', understand: false });
    expect(docs(withBosch).some((d: Json) => d.brand === 'Bosch')).toBe(true);
    const noIce = await search({ query: 'fridge without ice maker' });
    expect(noIce.understood.negations).toEqual({ attributes: { ice_maker: true } });
    for (const d of docs(noIce)) expect(d.attributes.ice_maker).toBe(false);
  });

  it('lets explicit filters win over understood ones on the same field', async () => {
    const body = await search({ query: 'samsung tv', filters: { brand: 'LG' } });
    const brand = body.understood.spans.find((s: Json) => s.field === 'brand');
    expect(brand.status).toBe('overridden');
    expect(body.hits.length).toBeGreaterThan(0);
    for (const d of docs(body)) {
      expect(d.brand).toBe('LG');
      expect(d.category).toBe('electronics/tv');
    }
  });

  it('falls back to the unfiltered query when the understood filters match nothing, and says so', async () => {
    // Miele makes no TVs in the demo catalog.
    const body = await search({ query: 'miele tv' });
    expect(body.hits.length).toBeGreaterThan(0);
    expect(body.understood.fallback).toMatchObject({ reason: 'no_results' });
    expect(body.understood.fallback.relaxed.length).toBe(2);
    expect(body.understood.spans.every((s: Json) => s.status === 'relaxed')).toBe(true);
    expect(body.understood.filters).toEqual({});
    // The relaxed spans still count as preferences: a Miele product or a TV leads.
    const top = body.hits[0].document;
    expect(top.brand === 'Miele' || top.category === 'electronics/tv').toBe(true);
  });

  it('leaves a removed chip out: its words are plain text again', async () => {
    const query = 'samsung tv';
    const full = await search({ query });
    const brand = full.understood.spans.find((s: Json) => s.field === 'brand');
    const body = await search({ query, understand: { ignore: [{ start: brand.start, end: brand.end }] } });
    expect(body.understood.spans.map((s: Json) => s.field)).toEqual(['category']);
    expect(new Set(docs(body).map((d: Json) => d.brand)).size).toBeGreaterThan(1);
  });

  it('turns a soft span into an explained `understood` contribution that adds up exactly', async () => {
    // "top rated" is vague: a preference, not a filter.
    const body = await search({ query: 'top rated microwave', explain: true, top_k: 10 });
    const span = body.understood.spans.find((s: Json) => s.kind === 'rating');
    expect(span.effect).toBe('boost');
    expect(body.understood.boosts).toHaveLength(1);
    for (const h of body.hits) {
      const sum = Object.values(h.contributions as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(sum).toBe(h.score);
      const met = h.document.rating >= 4;
      expect(h.boosts[0].matched).toBe(met);
      expect(h.contributions.understood).toBeCloseTo(met ? 0.2 : 0, 12);
    }
  });

  it('answers a missing index the same way with understanding on and off', async () => {
    const on = await postJson(app, '/v1/search', { query: 'samsung tv', index: 'no-such-index-qu' });
    const off = await postJson(app, '/v1/search', { query: 'samsung tv', index: 'no-such-index-qu', understand: false });
    expect(on.status).toBe(off.status);
    expect(on.status).toBeGreaterThanOrEqual(400);
    expect(on.status).toBeLessThan(600);
    expect((await json(on)).error.code).toBe((await json(off)).error.code);
  });

  it('rejects a malformed understand option with a 400 naming it', async () => {
    const res = await postJson(app, '/v1/search', { query: 'tv', understand: { ignore: [{ start: 'a' }] } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await json(res))).toMatch(/understand/);
  });
});

describe('the vocabulary', () => {
  it('reads the same facts with aggregations as by scanning', async () => {
    const aggs = await fetchVocabularyFacts(es, alias);
    const scan = await fetchVocabularyFacts(es, alias, { forceScan: true });
    expect(aggs.source).toBe('aggregations');
    expect(scan.source).toBe('scan');
    const byValue = (xs: Array<{ value: string; count: number }>) => Object.fromEntries(xs.map((x) => [x.value, x.count]));
    expect(byValue(aggs.facts.brands)).toEqual(byValue(scan.facts.brands));
    expect(byValue(aggs.facts.categories)).toEqual(byValue(scan.facts.categories));
    const screen = (f: typeof aggs.facts) => f.attributes.find((a) => a.name === 'screen_in');
    expect(screen(aggs.facts)).toMatchObject({ type: 'number', min: screen(scan.facts)!.min, max: screen(scan.facts)!.max, docs: screen(scan.facts)!.docs });
    expect(aggs.facts.fields).toEqual(scan.facts.fields);
  });

  it('is refreshed after documents change through the service', async () => {
    const before = await search({ query: 'zorblax dishwasher' });
    expect(before.understood.spans.some((s: Json) => s.field === 'brand')).toBe(false);
    const add = await postJson(app, `/v1/indices/${alias}/documents`, {
      documents: [{ id: 'zx1', title: 'Zorblax 44 dB Dishwasher ZX1', brand: 'Zorblax', category: 'appliances/kitchen/dishwashers', price: 700 }],
      refresh: 'wait_for',
    });
    expect(add.status).toBe(200);
    // The rebuild runs in the background; the next searches see it within moments.
    let body: Json;
    for (let i = 0; i < 50; i++) {
      body = await search({ query: 'zorblax dishwasher' });
      if (body.understood.spans.some((s: Json) => s.field === 'brand')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(body.understood.filters.brand).toBe('Zorblax');
    expect(body.hits.map((h: Json) => h.id)).toEqual(['zx1']);
  });
});

describe('the LLM parser against a local OpenAI-compatible stub', () => {
  let server: Server;
  let url = '';
  let mode: 'good' | 'garbage' | 'slow' | 'error' = 'good';
  const seen: Json[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as Json;
        seen.push({ path: req.url, auth: req.headers.authorization, body });
        const query = JSON.parse(body.messages[1].content).query as string;
        const at = query.indexOf('lg');
        const answer = {
          text: query,
          filters: {},
          negations: {},
          boosts: [],
          spans: at < 0 ? [] : [{ start: at, end: at + 2, text: 'lg', kind: 'brand', field: 'brand', value: 'LG', negated: false, effect: 'filter', confidence: 0.9 }],
        };
        const reply = (content: string) => res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
        res.setHeader('content-type', 'application/json');
        if (mode === 'error') {
          res.statusCode = 500;
          res.end('{}');
        } else if (mode === 'garbage') reply('{"spans": "not a list"}');
        else if (mode === 'slow') setTimeout(() => reply(JSON.stringify(answer)), 3000);
        else reply(JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  // A generous timeout where the stub answers at once (a loaded machine is slow), a short one for the slow stub.
  const llmApp = async (timeoutMs = 5000) => {
    const llmConfig = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram', STRATA_LLM_URL: url, STRATA_LLM_MODEL: 'stub-model', STRATA_LLM_API_KEY: 'k-123', STRATA_LLM_TIMEOUT_MS: String(timeoutMs) });
    return (await makeApp({ config: { ...llmConfig, service: { ...llmConfig.service, index: alias } }, es, pool })).app;
  };

  it('uses the LLM answer, validated and applied like the built-in one', async () => {
    mode = 'good';
    const a = await llmApp();
    const body = await json(await postJson(a, '/v1/search', { query: 'lg fridge', top_k: 10, snippets: false }));
    expect(body.understood.parser).toBe('llm');
    expect(body.understood.filters).toEqual({ brand: 'LG' });
    for (const h of body.hits) expect(h.document.brand).toBe('LG');
    const call = seen[seen.length - 1];
    expect(call.path).toBe('/v1/chat/completions');
    expect(call.auth).toBe('Bearer k-123');
    expect(call.body.model).toBe('stub-model');
    expect(call.body.response_format).toEqual({ type: 'json_object' });
  });

  it.each(['garbage', 'slow', 'error'] as const)('falls back to the built-in parser when the endpoint answers %s', async (m) => {
    mode = m;
    const a = await llmApp(m === 'slow' ? 500 : 5000);
    const body = await json(await postJson(a, '/v1/search', { query: 'lg fridge', top_k: 5, snippets: false }));
    expect(body.understood.parser).toBe('builtin');
    expect(body.understood.fallback).toMatchObject({ reason: 'llm_failed' });
    expect(body.understood.filters).toMatchObject({ brand: 'LG', category: 'appliances/kitchen/fridges' });
  });
});
