/**
 * Real encoders end to end: a SciFact subset indexed with `text/minilm` and searched with kNN (semantic
 * retrieval well above the hashing encoder), and fashion products indexed with text and image vectors, where a
 * missing photo is reported for its document without failing the batch, and `/v1/search` takes a query image.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { retrieve } from '../../service/retrieval/hybrid.ts';
import { loadBeir } from '../../training/data/beir.ts';
import { beirRows } from '../../training/bench/beir-rows.ts';
import { evaluateRun } from '../../training/eval/metrics.ts';
import { readFashion } from '../../training/scripts/fashion-catalog.ts';
import { decodePassageVectors } from '../../service/indexing/vector-codec.ts';
import { makeApp } from '../helpers/app.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data');
const esUrl = inject('esUrl');
const config = loadConfig({ STRATA_ES_URL: esUrl });
const es = createEsClient({ url: esUrl, timeoutMs: 120_000 });
const pool = createEncoderPool({ threads: 2, maxQueue: 16_384, context: encoderContext(config) });
const created: string[] = [];

afterAll(async () => {
  for (const alias of created) {
    const targets = await aliasTargets(es, alias);
    if (targets.length) await es.indices.delete({ index: targets });
  }
  await pool.close();
  await es.close();
});

describe('SciFact subset with text/minilm', () => {
  it('indexes with MiniLM (and passage vectors) and kNN finds the judged abstracts', async () => {
    const data = await loadBeir(path.join(SHARED, 'scifact'), { split: 'train' });
    const queries = [...data.qrels.keys()].slice(0, 30);
    const judged = new Set(queries.flatMap((q) => [...data.qrels.get(q)!.keys()]));
    const corpus = [...data.corpus.filter((d) => judged.has(d.id)), ...data.corpus.filter((d) => !judged.has(d.id)).slice(0, 150)];
    const alias = `scifact-sub-${randomUUID().slice(0, 8)}`;
    created.push(alias);
    const encoders = ['text/minilm', 'text/chargram'];
    await ensureIndex(es, alias, { encoders });
    const report = await indexDocuments(beirRows(corpus), { client: es, pool, index: alias, encoders, refresh: true });
    expect(report).toMatchObject({ indexed: corpus.length, dropped: [], encodeErrors: [] });
    // Binary fields are not indexed: read a long abstract back and decode its passage vectors.
    const long = corpus.find((d) => d.text.split(/\s+/).length > 200)!;
    const stored = await es.get<Record<string, unknown>>({ index: alias, id: long.id });
    const packed = stored._source!.passages_vec_text_minilm as string;
    expect(decodePassageVectors(packed, 384).length).toBeGreaterThan(1);

    const ndcg = async (encoder: string) => {
      const run = new Map<string, string[]>();
      for (const q of queries) {
        const { candidates } = await retrieve({ client: es, pool, index: alias, query: data.queries.get(q)!, mode: 'knn', encoder, window: 10 });
        run.set(q, candidates.map((c) => c.id));
      }
      return evaluateRun(run, new Map(queries.map((q) => [q, data.qrels.get(q)!])), { k: 10 }).mean.ndcg;
    };
    const minilm = await ndcg('text/minilm');
    const chargram = await ndcg('text/chargram');
    expect(minilm).toBeGreaterThan(0.55);
    expect(minilm).toBeGreaterThan(chargram + 0.05);
  }, 900_000);
});

describe('fashion products with text and image encoders', () => {
  it('stores image vectors, and reports a missing photo for its document only', async () => {
    const docs = await readFashion(path.join(SHARED, 'fashion-products'), 20);
    docs[3] = { ...docs[3]!, image: '/nonexistent/photo.jpg' };
    const alias = `fashion-${randomUUID().slice(0, 8)}`;
    created.push(alias);
    const encoders = ['text/minilm', 'image/mobilenet'];
    await ensureIndex(es, alias, { encoders });
    const rows = docs.map((d, i) => ({ line: i + 1, ok: true as const, doc: { ...d, id: String(d.id) } as never }));
    const report = await indexDocuments(rows, { client: es, pool, index: alias, encoders, refresh: true });
    expect(report.indexed).toBe(20);
    expect(report.encodeErrors).toEqual([{ id: String(docs[3]!.id), encoder: 'image/mobilenet', message: expect.stringMatching(/\/nonexistent\/photo\.jpg/) }]);
    const withImage = await es.count({ index: alias, query: { exists: { field: 'vec_image_mobilenet' } } });
    expect(withImage.count).toBe(19);
    // Stored int8-packed as well, so reranking with a query image reads them without the float vectors.
    const stored = await es.get<Record<string, unknown>>({ index: alias, id: String(docs[0]!.id) });
    expect(decodePassageVectors(stored._source!.packed_vec_image_mobilenet as string, 1280)).toHaveLength(1);
  }, 600_000);

  it('searches by query image over HTTP: image kNN in the fusion, the image signal in the explanation', async () => {
    const docs = (await readFashion(path.join(SHARED, 'fashion-products'), 40)).map((d) => ({ ...d, id: String(d.id) }));
    const alias = `fashion-q-${randomUUID().slice(0, 8)}`;
    const plain = `fashion-noimg-${randomUUID().slice(0, 8)}`;
    created.push(alias, plain);
    const textEncoders = ['text/minilm', 'text/chargram'];
    await ensureIndex(es, alias, { encoders: [...textEncoders, 'image/mobilenet'] });
    await ensureIndex(es, plain, { encoders: textEncoders });
    const rows = docs.map((d, i) => ({ line: i + 1, ok: true as const, doc: d as never }));
    expect((await indexDocuments(rows, { client: es, pool, index: alias, encoders: [...textEncoders, 'image/mobilenet'], refresh: true })).indexed).toBe(40);
    await indexDocuments(rows.slice(0, 5), { client: es, pool, index: plain, encoders: textEncoders, refresh: true });
    const { app } = await makeApp({ config: { ...config, retrieval: { ...config.retrieval, textEncoders } }, es, pool });
    const search = async (body: object) => {
      const res = await app.request('/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      type Hit = { id: string; score: number; ranks: Record<string, number | null>; contributions: Record<string, number>; signals: Record<string, number | null> };
      return { status: res.status, body: (await res.json()) as { hits: Hit[]; error: { code: string; message: string } } };
    };

    // The photo of product 7 alone finds product 7 first, by the image list.
    const target = docs[7]!;
    const photo = (await readFile(String(target.image))).toString('base64');
    const byImage = await search({ index: alias, image: photo, top_k: 5, explain: true });
    expect(byImage.status).toBe(200);
    const top = byImage.body.hits[0]!;
    expect(top.id).toBe(target.id);
    expect(top.ranks).toMatchObject({ image: 1, bm25: null, knn: null });
    expect(top.contributions.image).toBeGreaterThan(0.45); // weight 0.5 x cosine of a photo with itself
    const sum = Object.values(top.contributions).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(top.score, 10);
    // Further hits are less alike.
    expect(byImage.body.hits[1]!.signals.image).toBeLessThan(top.signals.image!);

    // Text and image together: "blue top" alone ranks the blue tops above this pink one; with its photo beside
    // the same text, the pictured top comes first.
    expect(target.title).toBe('Elle Women Dark Pink Top');
    // Query understanding off: it would read "blue" and "top" as filters and leave the pink top out altogether.
    const textOnly = await search({ index: alias, query: 'blue top', top_k: 40, understand: false });
    const both = await search({ index: alias, query: 'blue top', image: `data:image/jpeg;base64,${photo}`, top_k: 40, understand: false });
    const rankOf = (r: typeof both) => r.body.hits.findIndex((h) => h.id === target.id);
    expect(rankOf(textOnly)).toBeGreaterThan(0);
    expect(rankOf(both)).toBe(0);

    // Clear 400s naming the field: not base64, not an image, an index without image vectors, nothing to search by.
    const notBase64 = await search({ index: alias, image: 'not an image!' });
    expect(notBase64.status).toBe(400);
    expect(JSON.stringify(notBase64.body.error)).toMatch(/image/);
    const garbage = await search({ index: alias, image: Buffer.from('definitely not a jpeg').toString('base64') });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.message).toMatch(/^.*image: /);
    const noVectors = await search({ index: plain, image: photo });
    expect(noVectors.status).toBe(400);
    expect(noVectors.body.error.message).toMatch(new RegExp(`image: index "${plain}" has no image vectors`));
    const nothing = await search({ index: alias });
    expect(nothing.status).toBe(400);
    expect(nothing.body.error.message).toMatch(/query.*give a query, an image or filters/);
  }, 600_000);
});
