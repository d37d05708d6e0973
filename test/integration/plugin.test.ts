/**
 * The `strata` rescorer inside the real Elasticsearch, calling the real service: the DSL gives the same top order
 * as `/v1/search`; with the service down the first-stage order comes back (`keep_order`) or a clear error
 * (`error`); a slow service is cut off at `timeout_ms`. Needs the plugin built (`npm run plugin:build`, which
 * `.ci/run` does); the global setup then installs it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
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

const esUrl = inject('esUrl');
const pluginInstalled = inject('pluginInstalled');
const alias = `plugin-${randomUUID().slice(0, 8)}`;
const es = createEsClient({ url: esUrl });

let svc: RunningService;

async function setServiceUrl(url: string | null) {
  await es.cluster.putSettings({ persistent: { 'strata.service.url': url } });
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

  it('returns the same top order as /v1/search for the same query, filters and head', async () => {
    const filters = { category: 'appliances/kitchen' };
    const res = await fetch(`${svc.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'quiet dishwasher', filters, top_k: 10 }),
    });
    const search = await json(res);
    const viaService = search.hits.map((h: { id: string }) => h.id);
    expect(viaService.length).toBe(10);
    // The DSL's first stage holds every document the filter allows, as /v1/search's window does here.
    const viaDsl = await dsl({
      size: 10,
      query: { bool: { filter: [{ bool: { should: [{ term: { category: 'appliances/kitchen' } }, { prefix: { category: 'appliances/kitchen/' } }], minimum_should_match: 1 } }] } },
      rescore: rescore(),
    });
    expect(viaDsl.hits.hits.map((h) => h._id)).toEqual(viaService);
    expect(viaDsl.hits.hits[0]!._score).toBeCloseTo(search.hits[0].score, 5);
  });

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

  it('cuts a slow service off at timeout_ms', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const slow = http.createServer(() => undefined); // never answers
    slow.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    await setServiceUrl(`http://127.0.0.1:${(slow.address() as AddressInfo).port}`);
    try {
      const query = { match: { title: 'dishwasher' } };
      const started = performance.now();
      const res = await dsl({ size: 5, query, rescore: rescore({ timeout_ms: 300, on_failure: 'keep_order' }) });
      const took = performance.now() - started;
      expect(res.hits.hits.length).toBeGreaterThan(0);
      expect(took).toBeGreaterThanOrEqual(250);
      // timeout_ms plus a margin for the search itself on a loaded 2-core machine.
      expect(took).toBeLessThan(2000);
    } finally {
      await setServiceUrl(svc.url);
      for (const s of sockets) s.destroy();
      slow.close();
    }
  });
});
