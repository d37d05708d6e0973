/**
 * Feature parity between documents by id and documents sent inline (Cohere style), against the real Elasticsearch
 * and encoders: an inline-view head (request-local features only) gives the same order and scores for the same
 * documents whichever way they come, when the inline request carries the same fields and names the index (whose
 * term statistics local BM25 then uses); an index-view head is replaced by an inline one for inline documents,
 * and the response says so.
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
import { featureNames } from '../../service/features/assemble.ts';
import { viewFeatures } from '../../service/features/scopes.ts';
import { builtinRerankHead } from '../../service/heads/store.ts';
import type { CatalogDocumentInput } from '../../service/catalog/schema.ts';
import { json, postJson } from '../helpers/http.ts';
import { makeApp } from '../helpers/app.ts';

const esUrl = inject('esUrl');
const config = loadConfig({ STRATA_ES_URL: esUrl });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
const alias = `inline-${randomUUID().slice(0, 8)}`;
const encoders = config.retrieval.textEncoders;

const LONG = Array.from({ length: 30 }, (_, i) => `Part ${i} of the manual explains how the drum and the door seal are cleaned.`).join(' ');
const CATALOG: CatalogDocumentInput[] = [
  { id: 'w1', title: 'Bosch quiet washing machine 8 kg', description: `A front loader that runs at 48 dB. ${LONG}`, brand: 'Bosch', category: 'appliances/laundry/washing-machines', price: 649, rating: 4.6, attributes: { colour: 'White', capacity_kg: 8 } },
  { id: 'w2', title: 'Budget washing machine 6 kg', description: 'Loud but cheap, 62 dB spin.', brand: 'Cheapo', category: 'appliances/laundry/washing-machines', price: 299, rating: 3.2, attributes: { colour: 'White', capacity_kg: 6 } },
  { id: 'w3', title: 'Miele silent washer dryer', description: 'Washer dryer combination with a quiet inverter motor.', brand: 'Miele', category: 'appliances/laundry/washer-dryers', price: 1399, rating: 4.8, attributes: { colour: 'Graphite' } },
  { id: 'd1', title: 'Quiet dishwasher 42 dB', description: 'Dishwasher with a third rack.', brand: 'Bosch', category: 'appliances/kitchen/dishwashers', price: 549, rating: 4.4 },
  { id: 'v1', title: 'Cordless vacuum cleaner', description: 'Quiet mode for night cleaning of the washing room.', brand: 'Dyson', category: 'appliances/cleaning/vacuums', price: 499, rating: 4.1 },
];
const QUERY = 'quiet bosch washing machine 8 kg';

/** A head over every request-local feature with fixed, all non-zero weights: any feature difference shows in the scores. */
function inlineHead(name: string) {
  const features = viewFeatures(featureNames({ textEncoders: encoders }), 'inline');
  const weights = features.map((_, i) => ((i * 7919) % 13) / 10 - 0.55);
  return {
    ...builtinRerankHead(features),
    name,
    version: 'test-1',
    view: 'inline',
    features,
    scopes: { index: [], request: features },
    normalisation: { mean: features.map(() => 0), std: features.map(() => 1) },
    model: { kind: 'sigmoid', weights: [[...weights, 0]] },
  };
}

let app: Awaited<ReturnType<typeof makeApp>>['app'];

beforeAll(async () => {
  await ensureIndex(es, alias, { encoders });
  const rows = CATALOG.map((d, i) => ({ line: i + 1, ok: true as const, doc: d as never }));
  const report = await indexDocuments(rows, { client: es, pool, index: alias, encoders, refresh: 'wait_for' });
  expect(report.indexed).toBe(CATALOG.length);
  const made = await makeApp({ config: { ...config, service: { ...config.service, index: alias } }, es, pool });
  app = made.app;
  await writeFile(path.join(made.headsDir, 'parity-inline.json'), JSON.stringify(inlineHead('parity-inline')));
  expect((await app.request('/v1/models/reload', { method: 'POST' })).status).toBe(200);
});

afterAll(async () => {
  const targets = await aliasTargets(es, alias);
  if (targets.length) await es.indices.delete({ index: targets });
  await pool.close();
  await es.close();
});

const weightsOff = { relevance: 1, recency: 0, popularity: 0, rating: 0, trust: 0, price: 0 };

describe('inline documents and documents by id', () => {
  it('get the same order, scores and features from an inline head when the inline request carries the same fields', async () => {
    const ids = CATALOG.map((d) => d.id as string).reverse();
    const byId = await json(await postJson(app, '/v1/rerank', { query: QUERY, index: alias, ids, head: 'parity-inline', explain: true, weights: weightsOff }));
    const docs = ids.map((id) => {
      const { id: _id, ...rest } = CATALOG.find((d) => d.id === id)!;
      return rest;
    });
    const inline = await json(
      await postJson(app, '/v1/rerank', { query: QUERY, index: alias, documents: docs, rank_fields: ['title', 'description'], head: 'parity-inline', explain: true, weights: weightsOff }),
    );
    expect(inline.meta.strata.head).toMatchObject({ name: 'parity-inline', view: 'inline' });
    expect(inline.meta.strata.head.fallback).toBeUndefined();
    expect(inline.results.map((r: { index: number }) => ids[r.index])).toEqual(byId.results.map((r: { id: string }) => r.id));
    byId.results.forEach((r: { relevance_score: number; features: Record<string, number> }, i: number) => {
      const other = inline.results[i];
      expect(other.relevance_score).toBeCloseTo(r.relevance_score, 3);
      for (const [name, value] of Object.entries(r.features)) expect([name, other.features[name]]).toEqual([name, expect.closeTo(value, 2)]);
    });
    // The local first stage saw the index's statistics both ways, and matched something.
    expect(Math.max(...byId.results.map((r: { features: Record<string, number> }) => r.features['loc:bm25_norm']!))).toBe(1);
  });

  it('stands an inline head in for an index head on inline documents, and says so in meta', async () => {
    const res = await json(await postJson(app, '/v1/rerank', { query: QUERY, documents: CATALOG.map((d) => `${d.title}\n${d.description}`), explain: true }));
    expect(res.meta.strata.head).toMatchObject({ name: 'default-inline', requested: 'default', fallback: expect.stringMatching(/index features .* inline/) });
    expect(res.results[0].index).toBe(0);
    // Strings get a title from their first line, so title features are not silently 0.
    expect(res.results[0].features['lex:title_overlap']).toBeGreaterThan(0.5);
    expect(res.results[0].features['fs:bm25_norm']).toBeUndefined();
    // Every feature is described, with its scope.
    const models = await json(await app.request('/v1/models'));
    const unit = models.features.find((f: { name: string }) => f.name === 'prod:unit_match');
    expect(unit).toMatchObject({ scope: 'request', description: expect.stringMatching(/quantities/) });
    expect(models.features.find((f: { name: string }) => f.name === 'fs:bm25_norm').scope).toBe('index');
    expect(models.features.every((f: { description: string }) => f.description.length > 0)).toBe(true);
    // By id the index head itself serves.
    const byId = await json(await postJson(app, '/v1/rerank', { query: QUERY, index: alias, ids: ['w1', 'w2'] }));
    expect(byId.meta.strata.head).toMatchObject({ name: 'default', view: 'index' });
    expect(byId.meta.strata.head.fallback).toBeUndefined();
  });

  it('puts strings with no text after cleaning last, unembedded, and names them in warnings', async () => {
    const documents = ['', CATALOG[1]!.title, '   ', '<p> </p>', CATALOG[0]!.title, 'a red dress'];
    const res = await json(await postJson(app, '/v1/rerank', { query: QUERY, documents, return_documents: true, snippets: true }));
    const order = res.results.map((r: { index: number }) => r.index);
    expect(order.slice(0, 3).sort()).toEqual([1, 4, 5]);
    expect(order.slice(3)).toEqual([0, 2, 3]);
    const scores = res.results.map((r: { relevance_score: number }) => r.relevance_score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(Math.max(...scores.slice(3))).toBeLessThanOrEqual(Math.min(0, ...scores.slice(0, 3)));
    expect(res.results[3]).toMatchObject({ document: { text: '' }, snippets: [] });
    expect(res.meta.warnings).toEqual(['documents.0: no text after cleaning; ranked last', 'documents.2: no text after cleaning; ranked last', 'documents.3: no text after cleaning; ranked last']);
    // top_n cuts before them; the Elasticsearch inference shape places them the same way; all empty is not an error.
    const top = await json(await postJson(app, '/v2/rerank', { query: QUERY, documents, top_n: 4 }));
    expect(top.results.map((r: { index: number }) => r.index)).toEqual([...order.slice(0, 3), 0]);
    const inference = await json(await postJson(app, '/v1/rerank', { query: QUERY, input: documents }));
    expect(inference.rerank.map((r: { index: number }) => r.index)).toEqual(order);
    const none = await json(await postJson(app, '/v1/rerank', { query: QUERY, documents: ['', ' '] }));
    expect(none.results).toEqual([{ index: 0, relevance_score: 0 }, { index: 1, relevance_score: 0 }]);
  });
});
