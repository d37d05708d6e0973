/**
 * The `strata` rescorer inside the real Elasticsearch, calling the real service: the DSL gives the same top order
 * as `/v1/search`; with the service down the first-stage order comes back (`keep_order`) or a clear error
 * (`error`); a slow service is cut off at `timeout_ms`. The same holds inside ES 9's `rescorer` retriever and from
 * the official Python `elasticsearch` client (installed once from PyPI into `.cache/test-venvs/`; that test is
 * skipped, saying why, where PyPI is out of reach). Needs the plugin built (`npm run plugin:build`, which `.ci/run`
 * does); the global setup then installs it.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { start, type RunningService } from '../../service/app/start.ts';
import { makeDemoCatalog } from '../../training/demo/make-catalog.ts';
import { json } from '../helpers/http.ts';
import { pythonVenv } from '../helpers/python-venv.ts';

const run = promisify(execFile);
const ES_PY = '9.5.1';
const ES_PY_SCRIPT = path.resolve(import.meta.dirname, '../fixtures/es_python_client.py');

const esUrl = inject('esUrl');
const pluginInstalled = inject('pluginInstalled');
const alias = `plugin-${randomUUID().slice(0, 8)}`;
const es = createEsClient({ url: esUrl });

let svc: RunningService;

async function setServiceUrl(url: string | null) {
  await es.cluster.putSettings({ persistent: { 'strata.service.url': url } });
}

interface StrataStats {
  node: string;
  service_url: string;
  rescored_windows: number;
  rescored_documents: number;
  fallbacks: Record<'timeout' | 'connection_error' | 'bad_response' | 'local_error' | 'total', number>;
  errors: Record<'timeout' | 'connection_error' | 'bad_response' | 'local_error' | 'total', number>;
  last_failure: { reason: string; message: string; on_failure: string; timestamp: string } | null;
}

async function strataStats(): Promise<StrataStats> {
  const res = await fetch(`${esUrl}/_strata/stats`);
  expect(res.status).toBe(200);
  return (await res.json()) as StrataStats;
}

/** A server that accepts connections and never answers (the rescorer must cut it off at timeout_ms). */
async function silentServer() {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer(() => undefined);
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function dsl(body: Record<string, unknown>) {
  return es.search<Record<string, unknown>>({ index: alias, ...body });
}

const rescore = (extra: Record<string, unknown> = {}) => ({
  window_size: 100,
  strata: { query: 'quiet dishwasher', head: 'default', fields: ['title', 'description'], timeout_ms: 5000, ...extra },
});

describe.skipIf(!pluginInstalled)('strata rescorer plugin (real Elasticsearch, real service)', () => {
  beforeAll(async () => {
    const config = loadConfig({ STRATA_ES_URL: esUrl });
    const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
    await ensureIndex(es, alias, { encoders: config.retrieval.textEncoders });
    const docs = makeDemoCatalog({ count: 60 });
    const rows = docs.map((d, i) => ({ line: i + 1, ok: true as const, doc: { ...d, id: String(d.id) } as never }));
    const report = await indexDocuments(rows, { client: es, pool, index: alias, encoders: config.retrieval.textEncoders, refresh: 'wait_for' });
    expect(report.indexed).toBe(60);
    await pool.close();
    const headsDir = await mkdtemp(path.join(tmpdir(), 'strata-heads-'));
    svc = await start({ ...config, headsDir, service: { ...config.service, port: 0, index: alias } });
    await setServiceUrl(svc.url);
  });

  afterAll(async () => {
    await setServiceUrl(null);
    await svc?.close();
    const targets = await aliasTargets(es, alias);
    if (targets.length) await es.indices.delete({ index: targets });
    await es.close();
  });

  // The DSL's first stage holds every document the filter allows, as /v1/search's window does here.
  const kitchen = { bool: { filter: [{ bool: { should: [{ term: { category: 'appliances/kitchen' } }, { prefix: { category: 'appliances/kitchen/' } }], minimum_should_match: 1 } }] } };

  /** /v1/search's top 10 for "quiet dishwasher" in the kitchen category: what the DSL forms must reproduce. */
  async function serviceTop10(): Promise<{ ids: string[]; topScore: number }> {
    const res = await fetch(`${svc.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'quiet dishwasher', filters: { category: 'appliances/kitchen' }, top_k: 10 }),
    });
    const search = await json(res);
    const ids = search.hits.map((h: { id: string }) => h.id) as string[];
    expect(ids.length).toBe(10);
    return { ids, topScore: search.hits[0].score };
  }

  it('returns the same top order as /v1/search for the same query, filters and head', async () => {
    const service = await serviceTop10();
    const viaDsl = await dsl({ size: 10, query: kitchen, rescore: rescore() });
    expect(viaDsl.hits.hits.map((h) => h._id)).toEqual(service.ids);
    expect(viaDsl.hits.hits[0]!._score).toBeCloseTo(service.topScore, 5);
  });

  it('works inside the rescorer retriever (the retriever syntax of Elasticsearch 9), with the same order', async () => {
    const service = await serviceTop10();
    const before = await strataStats();
    const viaRetriever = await dsl({ size: 10, retriever: { rescorer: { retriever: { standard: { query: kitchen } }, rescore: rescore() } } });
    expect(viaRetriever.hits.hits.map((h) => h._id)).toEqual(service.ids);
    expect(viaRetriever.hits.hits[0]!._score).toBeCloseTo(service.topScore, 5);
    expect((await strataStats()).rescored_windows - before.rescored_windows).toBe(1);
  });

  it('is driven by the official Python elasticsearch client, as a rescore section and as a retriever', async (ctx) => {
    let python: string;
    try {
      python = await pythonVenv('elasticsearch', ES_PY, 'elasticsearch');
    } catch (err) {
      return ctx.skip(`the Python elasticsearch client could not be installed: ${(err as Error).message.split('\n')[0]}`);
    }
    const service = await serviceTop10();
    const body = { size: 10, query: kitchen, rescore: rescore() };
    const { stdout } = await run(python, [ES_PY_SCRIPT, esUrl, alias, JSON.stringify(body)], { timeout: 120_000 });
    const out = JSON.parse(stdout) as { client: string; classic: Array<[string, number]>; retriever: Array<[string, number]>; explanation: string; rescored_windows: number };
    expect(out.client).toBe(ES_PY);
    expect(out.classic.map(([id]) => id)).toEqual(service.ids);
    expect(out.retriever.map(([id]) => id)).toEqual(service.ids);
    expect(out.classic[0]![1]).toBeCloseTo(service.topScore, 5);
    expect(out.explanation).toMatch(/strata/i);
    expect(out.rescored_windows).toBeGreaterThanOrEqual(3);
  }, 600_000);

  it('explains a rescored hit', async () => {
    const res = await dsl({ size: 1, explain: true, query: { match: { title: 'dishwasher' } }, rescore: rescore() });
    expect(JSON.stringify(res.hits.hits[0]!._explanation)).toMatch(/strata/i);
  });

  it('keeps the first-stage order when the service is down (keep_order), or fails clearly (error)', async () => {
    const query = { multi_match: { query: 'quiet dishwasher', fields: ['title^3', 'description'] } };
    const plain = await dsl({ size: 10, query });
    await setServiceUrl('http://127.0.0.1:1');
    try {
      const kept = await dsl({ size: 10, query, rescore: rescore({ on_failure: 'keep_order' }) });
      expect(kept.hits.hits.map((h) => h._id)).toEqual(plain.hits.hits.map((h) => h._id));
      const failed = await dsl({ size: 10, query, rescore: rescore({ on_failure: 'error' }) }).then(
        () => null,
        (err: { meta?: { statusCode?: number; body?: unknown } }) => err,
      );
      expect(failed).not.toBeNull();
      expect(JSON.stringify(failed!.meta?.body)).toMatch(/strata rescorer: service at http:\/\/127\.0\.0\.1:1 failed/);
    } finally {
      await setServiceUrl(svc.url);
    }
  });

  it('cuts a slow service off at timeout_ms, counts the fallback as a timeout and explains it on every hit', async () => {
    const slow = await silentServer();
    await setServiceUrl(slow.url);
    try {
      const before = await strataStats();
      const query = { match: { title: 'dishwasher' } };
      const started = performance.now();
      const res = await dsl({ size: 5, explain: true, query, rescore: rescore({ timeout_ms: 300, on_failure: 'keep_order' }) });
      const took = performance.now() - started;
      expect(res.hits.hits.length).toBeGreaterThan(0);
      expect(took).toBeGreaterThanOrEqual(250);
      // timeout_ms plus a margin for the search itself on a loaded 2-core machine.
      expect(took).toBeLessThan(2000);

      const after = await strataStats();
      expect(after.fallbacks.timeout - before.fallbacks.timeout).toBe(1);
      expect(after.fallbacks.total - before.fallbacks.total).toBe(1);
      expect(after.rescored_windows).toBe(before.rescored_windows);
      expect(after.service_url).toBe(slow.url);
      expect(after.last_failure).toMatchObject({ reason: 'timeout', on_failure: 'keep_order' });
      expect(after.last_failure!.message).toContain(`strata rescorer: service at ${slow.url} failed: timed out`);
      for (const hit of res.hits.hits) {
        const description = hit._explanation!.description;
        expect(description).toMatch(/^not rescored by strata \(timeout\): strata rescorer: service at .* failed: timed out/);
        expect(description).toMatch(/on_failure=keep_order kept the first-stage score$/);
        // The score is the first-stage score, unchanged.
        expect(hit._explanation!.value).toBeCloseTo(hit._score!, 5);
      }
    } finally {
      await setServiceUrl(svc.url);
      slow.close();
    }
  });

  it('counts rescored windows, connection errors as fallbacks, and on_failure=error failures as errors', async () => {
    const query = { match: { title: 'dishwasher' } };
    const before = await strataStats();
    await dsl({ size: 5, query, rescore: rescore() });
    const rescored = await strataStats();
    expect(rescored.rescored_windows - before.rescored_windows).toBe(1);
    expect(rescored.rescored_documents).toBeGreaterThan(before.rescored_documents);
    expect(rescored.fallbacks.total).toBe(before.fallbacks.total);

    await setServiceUrl('http://127.0.0.1:1');
    try {
      await dsl({ size: 5, query, rescore: rescore({ on_failure: 'keep_order' }) });
      const fellBack = await strataStats();
      expect(fellBack.fallbacks.connection_error - rescored.fallbacks.connection_error).toBe(1);
      expect(fellBack.last_failure).toMatchObject({ reason: 'connection_error', on_failure: 'keep_order' });
      // Plain fetch: the ES client retries a 502, which would fail (and count) a second search.
      const res = await fetch(`${esUrl}/${alias}/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ size: 5, query, rescore: rescore({ on_failure: 'error' }) }),
      });
      expect(res.status).toBe(502);
      const failed = await strataStats();
      expect(failed.errors.connection_error - fellBack.errors.connection_error).toBe(1);
      expect(failed.fallbacks.total).toBe(fellBack.fallbacks.total);
    } finally {
      await setServiceUrl(svc.url);
    }
  });

  it('explains the fallback also when the fetch phase runs in a fresh context (2 shards)', async () => {
    const index = `plugin-2shards-${randomUUID().slice(0, 8)}`;
    await es.indices.create({ index, settings: { number_of_shards: 2, number_of_replicas: 0 }, mappings: { properties: { title: { type: 'text' } } } });
    try {
      await es.bulk({
        refresh: 'wait_for',
        operations: Array.from({ length: 20 }, (_, i) => [{ index: { _index: index, _id: `d${i}` } }, { title: `dishwasher model ${i}`, description: 'quiet' }]).flat(),
      });
      await setServiceUrl('http://127.0.0.1:1');
      const body: Record<string, unknown> = {
        size: 10,
        explain: true,
        query: { match: { title: 'dishwasher' } },
        rescore: { window_size: 10, strata: { query: 'quiet dishwasher', fields: ['title'], on_failure: 'keep_order', timeout_ms: 2000 } },
      };
      const res = await es.search({ index, ...body });
      expect(res._shards.successful).toBe(2);
      expect(res.hits.hits.length).toBe(10);
      for (const hit of res.hits.hits) {
        // The fetch phase's own context only knows (from the query phase's rescored-docs set) that the shard fell back.
        expect(hit._explanation!.description).toMatch(/^not rescored by strata: the service call for this shard's window failed; the node's last failure \(connection_error, /);
        expect(hit._explanation!.description).toMatch(/connection refused/);
      }
    } finally {
      await setServiceUrl(svc.url);
      await es.indices.delete({ index });
    }
  });

  it("runs the README's DSL examples (rescore section, rescorer retriever) as written and finds refrigerators", async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const start = readme.indexOf('## Using it from the Elasticsearch query DSL');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const examples = [...section.matchAll(/```json\nPOST products\/_search\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples.length).toBe(2);
    for (const example of examples) {
      const before = await strataStats();
      const res = await dsl(JSON.parse(example) as Record<string, unknown>);
      expect(res.hits.hits.length).toBeGreaterThan(0);
      for (const hit of res.hits.hits) expect(String(hit._source!.title)).toMatch(/Refrigerator/);
      const after = await strataStats();
      expect(after.rescored_windows - before.rescored_windows).toBe(1);
      expect(after.fallbacks.total).toBe(before.fallbacks.total);
    }
  });

  it('serves _strata/stats with the node name and the configured service URL', async () => {
    const stats = await strataStats();
    expect(typeof stats.node).toBe('string');
    expect(stats.service_url).toBe(svc.url);
    expect(Object.keys(stats.fallbacks).sort()).toEqual(['bad_response', 'connection_error', 'local_error', 'timeout', 'total']);
  });
});
