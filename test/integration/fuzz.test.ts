/**
 * Property-based fuzzing of every route with generated bad bodies (fast-check, seeded, bounded in runs and
 * time): arbitrary JSON, raw text, wrong media types, and valid bodies with one field replaced by a hostile
 * value (wrong types, huge strings, deep nesting, `__proto__`, unknown keys, date maths, 513-byte ids). Against
 * the real app, Elasticsearch and encoder pool, every answer must be below 500, and every 4xx must come in the
 * one error shape `{ "error": { code, message, details? } }` naming a field.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasState } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { encodeChargrams } from '../../service/encoders/chargram.ts';
import { trainLrHead } from '../../training/heads/train.ts';
import { json, postJson, type Json } from '../helpers/http.ts';
import { makeApp } from '../helpers/app.ts';

const SEED = 20_261_129;
/** Per route; the whole file stays well under a minute even on a loaded machine. */
const RUNS = 120;
const TIME_LIMIT_MS = 7_000;

const esUrl = inject('esUrl');
const run = randomUUID().slice(0, 8);
const index = `fuzz-${run}`;
const fresh = `fuzz-new-${run}`;
const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram', STRATA_INDEX: index });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
let app: Awaited<ReturnType<typeof makeApp>>['app'];

beforeAll(async () => {
  const headsDir = (await makeApp({ config, es, pool })).headsDir;
  const texts = ['reset my card pin', 'forgot pin code', 'card not arrived', 'where is my card'];
  const emb = encodeChargrams(texts);
  const names = Array.from({ length: emb.dim }, (_, i) => `text/chargram#${i}`);
  const head = trainLrHead({ rows: emb.vectors, n: 4, names, labels: [0, 0, 1, 1] }, { name: 'intents', task: 'classify', labels: ['pin', 'card'], encoders: ['text/chargram'] }, { steps: 50 });
  await writeFile(path.join(headsDir, 'intents.json'), JSON.stringify(head));
  ({ app } = await makeApp({ config, es, pool, headsDir }));
  const res = await postJson(app, `/v1/indices/${index}/documents`, {
    documents: [
      { id: 'f1', title: 'quiet fridge', category: 'appliances/kitchen', price: 450, attributes: { color: 'white', weight_kg: 60, frost_free: true }, release_date: '2024-02-01' },
      { id: 'f2', title: 'loud blender', category: 'appliances/kitchen', price: 40, attributes: { color: 'red', weight_kg: 2, frost_free: false }, release_date: '2021-02-01' },
    ],
    refresh: 'wait_for',
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  // `missing-<run>` too: a fuzzed write to it creates it, as a first write does.
  for (const alias of [index, fresh, `missing-${run}`]) {
    const { targets } = await aliasState(es, alias);
    if (targets.length) await es.indices.delete({ index: targets });
  }
  await pool.close();
  await es.close();
});

/** Words that name a field (or what a path names) in messages of errors that carry no issue list. */
const FIELD_WORDS = /\b(index|head|documents?|texts|ids?|content-type|query|body|filters|route|inputs?)\b/;

/** Checks one answer; returns a description of what is wrong, or undefined. */
async function problemOf(res: Response): Promise<string | undefined> {
  if (res.status >= 500) return `status ${res.status}: ${await res.text()}`;
  if (res.status < 400) return undefined;
  const body = (await json(res)) as Json;
  const keys = Object.keys(body ?? {});
  if (keys.length !== 1 || keys[0] !== 'error') return `not the one error shape: ${JSON.stringify(body).slice(0, 300)}`;
  const { code, message, details, ...rest } = body.error;
  if (typeof code !== 'string' || typeof message !== 'string' || Object.keys(rest).length) return `bad error fields: ${JSON.stringify(body.error).slice(0, 300)}`;
  const issues: Json[] | undefined = details?.issues;
  if (issues !== undefined) {
    if (!issues.length || !issues.every((i) => typeof i.path === 'string' && i.path.length > 0 && typeof i.message === 'string')) return `issues without a path: ${JSON.stringify(issues).slice(0, 300)}`;
    return undefined;
  }
  if (code === 'validation') return `a validation error without issues: ${message}`;
  return FIELD_WORDS.test(message) ? undefined : `no field named: ${code}: ${message}`;
}

// ---- generators ------------------------------------------------------------------------------------------

const deep = fc.integer({ min: 33, max: 4000 }).map((n) => JSON.parse(`${'['.repeat(n)}1${']'.repeat(n)}`) as unknown);
const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(null, -1, 0, -0.5, 1e308, -1e308, 1.5, 2 ** 53, '', [], {}, true, 'now-abc', 'now-30d', '中'.repeat(171), 'x'.repeat(5000), ['中'.repeat(171)], { gte: 'a', lte: 3 }, { gt: 5, lt: 1 }),
  deep,
  fc.constant(JSON.parse('{"__proto__":{"polluted":1}}') as unknown),
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 50 }),
);

type Path = Array<string | number>;
/** Every path in a template (objects and arrays), so any field can be the one replaced. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}
function replaceAt(value: unknown, at: Path, replacement: unknown): unknown {
  if (at.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at.at(-1)!] = replacement;
  return copy;
}
/** A valid body with one field replaced, or an unknown key added, or a key removed. */
function mutated(template: Record<string, unknown>) {
  const paths = pathsOf(template);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...paths), hostile).map(([at, v]) => replaceAt(template, at, v)),
    fc.tuple(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.string({ minLength: 1, maxLength: 12 }), hostile).map(([at, key, v]) => {
      const parent = at.slice(0, -1);
      return replaceAt(template, [...parent, key], v);
    }),
    fc.constantFrom(...Object.keys(template)).map((k) => Object.fromEntries(Object.entries(template).filter(([key]) => key !== k))),
  );
}
/** A request body: mostly mutations of a valid one, some arbitrary JSON, raw text or a wrong media type. */
function bodies(template: Record<string, unknown>) {
  return fc.oneof(
    { weight: 6, arbitrary: mutated(template).map((v) => ({ text: JSON.stringify(v), type: 'application/json' })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ text: JSON.stringify(v), type: 'application/json' })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ text, type: 'application/json' })) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data').map((type) => ({ text: JSON.stringify(template), type })) },
  );
}

const indexNames = fc.constantFrom(index, index, fresh, `missing-${run}`, 'Bad Name', '_all', '*', 'a'.repeat(150), '..', '-x', 'x%2Fy');

const SEARCH = { query: 'quiet fridge', index, filters: { category: 'appliances', price: { lte: 500 }, attributes: { color: 'white', weight_kg: { gte: 1 } }, release_date: { gte: 'now-5y' }, ids: ['f1', 'f2'] }, top_k: 5, mode: 'hybrid', rerank: { head: 'default', weights: { recency: 0.1 } }, explain: true, snippets: 1 };
const RERANK_INLINE = { query: 'fridge', documents: ['a fridge', { title: 'quiet fridge', text: 'runs at 40 dB', price: 5 }], top_n: 1, return_documents: true, max_tokens_per_doc: 50, rank_fields: ['title', 'text'], head: 'default', weights: { relevance: 1 }, explain: true };
const RERANK_IDS = { query: 'fridge', index, ids: ['f1', 'f2'] };
const RERANK_INPUT = { query: 'fridge', input: ['a fridge', 'a blender'] };
const CLASSIFY = { texts: ['i forgot my pin'], top_k: 2 };
const DOCUMENTS = { documents: [{ id: 'g1', title: 'a grill', price: 5, attributes: { color: 'black' }, release_date: '2024-01-01', location: { lat: 1, lon: 2 }, reviews: ['good'] }], refresh: false };
const DELETE = { ids: ['nope-1'], refresh: false };

async function check(method: string, url: string, body?: { text: string; type: string }) {
  const res = await app.request(url, { method, ...(body ? { body: body.text, headers: { 'content-type': body.type } } : {}) });
  const problem = await problemOf(res);
  if (problem) throw new Error(`${method} ${url.slice(0, 120)} ${body?.type ?? ''} ${body?.text.slice(0, 300) ?? ''}\n  -> ${problem}`);
}

const options = { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true };

/** Runs a property; fails with fast-check's report (seed, counterexample), logs how many cases ran. */
async function holds<T>(name: string, property: fc.IAsyncPropertyWithHooks<T>, opts: fc.Parameters<T> = options as fc.Parameters<T>) {
  const out = await fc.check(property, opts);
  console.log(`[fuzz] ${name}: ${out.numRuns} cases${out.interrupted ? ' (time limit reached)' : ''}, seed ${SEED}`);
  if (out.failed) throw new Error(fc.defaultReportMessage(out));
  expect(out.numRuns).toBeGreaterThan(20);
}

describe('fuzzing every route with bad bodies', () => {
  it('POST /v1/search', async () => {
    await holds('search', fc.asyncProperty(bodies(SEARCH), (b) => check('POST', '/v1/search', b)));
  });

  it('POST /v1/search/dsl', async () => {
    await holds('search dsl', fc.asyncProperty(bodies(SEARCH), (b) => check('POST', '/v1/search/dsl', b)), { ...options, numRuns: 60 });
  });

  it('POST /v1/rerank (inline documents, by ids, Elasticsearch inference shape)', async () => {
    const any = fc.oneof(bodies(RERANK_INLINE), bodies(RERANK_IDS), bodies(RERANK_INPUT));
    await holds('rerank', fc.asyncProperty(any, (b) => check('POST', '/v1/rerank', b)));
  });

  it('POST /v1/classify/:head', async () => {
    const heads = fc.constantFrom('intents', 'intents', 'default', 'nope', 'acme--intents', 'UPPER', '..', 'x'.repeat(300));
    await holds('classify', fc.asyncProperty(heads, bodies(CLASSIFY), (h, b) => check('POST', `/v1/classify/${encodeURIComponent(h)}`, b)));
  });

  it('POST /v1/indices/:name/documents', async () => {
    await holds('documents', fc.asyncProperty(indexNames, bodies(DOCUMENTS), (name, b) => check('POST', `/v1/indices/${encodeURIComponent(name)}/documents`, b)));
  });

  it('POST /v1/indices/:name/documents/_delete and DELETE /v1/indices/:name/documents/:id', async () => {
    await holds(
      'delete',
      fc.asyncProperty(indexNames, bodies(DELETE), fc.string({ maxLength: 600 }), async (name, b, id) => {
        await check('POST', `/v1/indices/${encodeURIComponent(name)}/documents/_delete`, b);
        await check('DELETE', `/v1/indices/${encodeURIComponent(name)}/documents/${encodeURIComponent(id || 'x')}`);
      }),
    );
  });

  it('GET /v1/models, /v1/indices, facets, POST /v1/models/reload and unknown routes, with any body', async () => {
    const routes = fc.constantFrom(
      ['GET', '/v1/models'],
      ['POST', '/v1/models/reload'],
      ['POST', '/v1/nope'],
      ['PUT', '/v1/search'],
      ['POST', '/v1/classify'],
      ['GET', '/v1/indices'],
      ['GET', `/v1/indices/${index}/facets`],
      ['GET', `/v1/indices/missing-${run}/facets`],
      ['GET', '/v1/indices/Bad%20Name/facets'],
    );
    await holds(
      'models and unknown routes',
      fc.asyncProperty(routes, bodies(CLASSIFY), async ([method, url], b) => check(method!, url!, method === 'GET' ? undefined : b)),
      { ...options, numRuns: 40 },
    );
  });
});
