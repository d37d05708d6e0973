/**
 * End to end on data the test makes: a tiny catalog indexed into a fresh alias, judgments written to a file,
 * `trainRerankHeads` (first stage -> shared features -> LR head) writing `default.json` into a temp heads dir,
 * the head store reloading it, and the trained head ordering a held-out query's relevant product above where the
 * built-in default head puts it. Relevance here follows the rating, a signal the built-in head ignores.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex } from '../../service/es/indices.ts';
import { featureNames } from '../../service/features/assemble.ts';
import { createPredictor } from '../../service/heads/predict.ts';
import { builtinRerankHead, openHeadStore } from '../../service/heads/store.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { createQueryEmbedder } from '../../service/usecases/embed.ts';
import type { CatalogRow } from '../../service/catalog/read.ts';
import { readJudgments } from '../../training/data/judgments.ts';
import { collectGroups, rankGroups } from '../../training/rerank/collect.ts';
import { evaluateRerank, judgedCandidates } from '../../training/rerank/eval-rerank.ts';
import { loadConfig } from '../../service/config.ts';
import { makeApp } from '../helpers/app.ts';
import { postJson } from '../helpers/http.ts';
import { trainRerankHeads } from '../../training/rerank/train-rerank.ts';
import { chooseRerankHead } from '../../service/heads/view.ts';
import { synthesize } from '../../training/synth/synth.ts';
import type { SynthDoc } from '../../training/synth/queries.ts';

const esUrl = inject('esUrl');
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1 });
const queryEmbedder = createQueryEmbedder(pool);
const alias = `test-train-${randomUUID().slice(0, 8)}`;
const encoders = ['text/chargram'];
const TOPICS = ['kettle', 'toaster', 'blender', 'juicer', 'mixer', 'heater', 'lamp', 'router', 'speaker', 'monitor', 'scanner', 'printer'];
const HELD_OUT = ['scanner', 'printer'];
let dir = '';

// Per topic: two plain, poorly rated products whose titles match the query best, and the well-rated one that
// is relevant, with a longer title (weaker BM25 and chargram match).
const rows: CatalogRow[] = TOPICS.flatMap((t, k) => [
  { id: `${t}-1`, title: `${t}`, rating: 2.1, price: 20 + k },
  { id: `${t}-2`, title: `${t} basic`, rating: 2.6, price: 25 + k },
  { id: `${t}-good`, title: `Premium ${t} model with extras and warranty`, rating: 4.9, price: 60 + k },
]).map((doc, i) => ({ line: i + 1, ok: true as const, doc }));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'strata-train-'));
  await ensureIndex(es, alias, { encoders });
  const report = await indexDocuments(rows, { client: es, pool, index: alias, encoders, refresh: 'wait_for' });
  expect(report).toMatchObject({ indexed: rows.length, dropped: [], invalid: [] });
});

afterAll(async () => {
  const targets = await aliasTargets(es, alias);
  if (targets.length) await es.indices.delete({ index: targets });
  await rm(dir, { recursive: true, force: true });
  await pool.close();
  await es.close();
});

describe('train rerank end to end', () => {
  it('trains on written judgments, the store reloads it, and it ranks a held-out relevant product higher than the built-in head', async () => {
    const judgmentsFile = path.join(dir, 'judgments.jsonl');
    const lines = TOPICS.filter((t) => !HELD_OUT.includes(t)).flatMap((t) => [
      { query_id: t, query: t, doc_id: `${t}-good`, grade: 1 },
      { query_id: t, query: t, doc_id: `${t}-1`, grade: 0 },
    ]);
    await writeFile(judgmentsFile, lines.map((l) => JSON.stringify(l)).join('\n'));
    const { queries, qrels } = await readJudgments(judgmentsFile);

    const headsDir = path.join(dir, 'heads');
    const rerankFeatures = featureNames({ textEncoders: encoders });
    const store = await openHeadStore({ dir: headsDir, rerankFeatures });
    expect(store.get('default').artifact.version).toBe('builtin-1');

    const result = await trainRerankHeads({ client: es, pool, queryEmbedder, index: alias, queries, qrels, encoders, window: 10, rrfK: 60, devFraction: 0.2, seed: 3, name: 'default', types: ['lr'], lrEpochs: [50, 200], lrLearningRate: 0.05, outDir: headsDir });
    expect(result.trainQueries + result.devQueries).toBe(10);
    expect(result.positives).toBeGreaterThan(0);
    expect((await readdir(headsDir)).sort()).toEqual(['default-lr.json', 'default.json']);

    const reloaded = await store.reload();
    expect(reloaded.refused).toEqual([]);
    const trained = store.get('default', 'rerank');
    expect(trained.artifact.version).not.toBe('builtin-1');
    expect(trained.artifact.metrics).toMatchObject({ devNdcg10: expect.any(Number), copiedFrom: 'default-lr' });

    const builtin = await createPredictor(builtinRerankHead(rerankFeatures));
    const { groups } = await collectGroups({ client: es, pool, queryEmbedder, index: alias, queries: new Map(HELD_OUT.map((t) => [t, t])), ids: HELD_OUT, window: 10, rrfK: 60, encoders });
    const byTrained = rankGroups(groups, (r, n) => trained.predict(r, n));
    const byBuiltin = rankGroups(groups, (r, n) => builtin.predict(r, n));
    for (const t of HELD_OUT) {
      const trainedRank = byTrained.get(t)!.indexOf(`${t}-good`);
      const builtinRank = byBuiltin.get(t)!.indexOf(`${t}-good`);
      expect(trainedRank).toBe(0);
      expect(builtinRank).toBeGreaterThan(trainedRank);
    }
    store.close();
  }, 60_000);

  it('evaluates a judgments file exported from another tool (own columns, grades in words; WANDS-style ids with a queries file) as the same judgments written plainly', async () => {
    const judged = TOPICS.flatMap((t) => [
      [t, `${t}-good`, 'E', 2],
      [t, `${t}-2`, 'S', 1],
      [t, `${t}-1`, 'I', 0],
    ] as const);
    const plain = path.join(dir, 'plain.jsonl');
    await writeFile(plain, judged.map(([q, d, , g]) => JSON.stringify({ query_id: q, query: q, doc_id: d, grade: g })).join('\n'));
    const exported = path.join(dir, 'exported.csv');
    await writeFile(exported, ['search_term,product_uid,label', ...judged.map(([q, d, l]) => `${q},${d},${l}`)].join('\n'));
    const run = (file: string, report: string, ...extra: string[]) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'service/cli/main.ts', 'eval', 'rerank', '--judgments', file, ...extra, '--index', alias, '--encoders', encoders.join(','), '--window', '10', '--report-dir', dir, '--report', report], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        encoding: 'utf8',
        // The child needs the parent's PATH and HOME; the settings under test are passed explicitly.
        // eslint-disable-next-line no-restricted-syntax
        env: { ...process.env, STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: encoders.join(',') },
        timeout: 120_000,
      });
      return { code: r.status, err: r.stderr };
    };
    // Without the options the file is named with what it lacks.
    const refused = run(exported, 'refused');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/exported\.csv:2: missing columns "query", "doc_id", "grade" \(columns: search_term, product_uid, label\); name the file's own with --judgment-columns/);
    expect(run(plain, 'eval-plain').code).toBe(0);
    expect(run(exported, 'eval-exported', '--judgment-columns', 'query=search_term,doc_id=product_uid,grade=label', '--grades', 'E=2,S=1,I=0').code).toBe(0);
    const systems = async (report: string) => (JSON.parse(await readFile(path.join(dir, `${report}.json`), 'utf8')) as { queries: number; systems: Array<{ system: string; ndcg10: { mean: number } }> });
    // WANDS' shape: tab-separated ".csv" files, judgments by query id, the texts in a queries file of their own.
    const labels = path.join(dir, 'label.csv');
    const ids = new Map(TOPICS.map((t, i) => [t, String(i)]));
    await writeFile(labels, ['id\tquery_id\tproduct_id\tlabel', ...judged.map(([q, d, l], i) => `${i}\t${ids.get(q)}\t${d}\t${{ E: 'Exact', S: 'Partial', I: 'Irrelevant' }[l]}`)].join('\n'));
    const queryFile = path.join(dir, 'query.csv');
    await writeFile(queryFile, ['query_id\tquery\tquery_class', ...TOPICS.map((t) => `${ids.get(t)}\t${t}\tsome class`)].join('\n'));
    expect(run(labels, 'eval-wands', '--judgment-columns', 'doc_id=product_id,grade=label', '--grades', 'Exact=2,Partial=1,Irrelevant=0', '--queries', queryFile).code).toBe(0);
    const [a, b, c] = [await systems('eval-plain'), await systems('eval-exported'), await systems('eval-wands')];
    expect(a.queries).toBe(TOPICS.length);
    expect(b.systems.map((x) => [x.system, x.ndcg10.mean])).toEqual(a.systems.map((x) => [x.system, x.ndcg10.mean]));
    expect(c.queries).toBe(TOPICS.length);
    expect(c.systems.map((x) => [x.system, x.ndcg10.mean])).toEqual(a.systems.map((x) => [x.system, x.ndcg10.mean]));
  }, 300_000);
});

describe('eval rerank over each query\'s judged documents (ESCI\'s reranking task)', () => {
  it('ranks exactly the judged documents the index holds in every system, beside a seeded random floor', async () => {
    // Judged: the relevant premium product, the exact-title one, and a document the index lacks.
    const qrels = new Map(TOPICS.map((t) => [t, new Map([[`${t}-good`, 1], [`${t}-1`, 0], [`${t}-gone`, 0]])]));
    // One text for every query: only the premium titles have these words, and each query ranks its own documents.
    const queries = new Map(TOPICS.map((t) => [t, 'extras and warranty']));
    const ids = [...TOPICS];
    const { candidates, missing } = await judgedCandidates(es, alias, qrels, ids);
    expect(missing).toBe(TOPICS.length);
    expect(candidates.get('kettle')!.sort()).toEqual(['kettle-1', 'kettle-good']);
    const run = () => evaluateRerank({ client: es, pool, queryEmbedder, index: alias, queries, qrels, ids, encoders, heads: [], window: 10, rrfK: 60, seed: 5, candidates });
    const { systems, runs } = await run();
    expect(systems.map((x) => x.system)).toEqual(['random', 'bm25', 'knn:text/chargram', 'hybrid']);
    for (const [system, r] of runs) {
      for (const t of TOPICS) expect([...r.get(t)!].sort(), `${system} ${t}`).toEqual([`${t}-1`, `${t}-good`]);
    }
    // BM25 reaches only the premium product of each list, so it comes first and the other one follows as a
    // leftover; the leftover order is the same on every run.
    expect(systems.find((x) => x.system === 'bm25')!.ndcg10.mean).toBe(1);
    expect((await run()).runs.get('random')).toEqual(runs.get('random'));
    // The whole-index mode ranks more than the judged documents.
    const whole = await evaluateRerank({ client: es, pool, queryEmbedder, index: alias, queries, qrels, ids, encoders, heads: [], window: 10, rrfK: 60, seed: 5 });
    expect(whole.systems.map((x) => x.system)).toEqual(['bm25', 'knn:text/chargram', 'hybrid']);
    expect(whole.runs.get('bm25')!.get('kettle')!.length).toBeGreaterThan(2);
    // Training on the same candidates: each query's rows are its two judged documents (none unjudged), split by seed.
    const trained = await trainRerankHeads({ client: es, pool, queryEmbedder, index: alias, queries, qrels, encoders, window: 10, rrfK: 60, candidates, devFraction: 0.25, seed: 3, name: 'judged', types: ['lr'], lrEpochs: [20], lrLearningRate: 0.05, outDir: path.join(dir, 'heads-judged') });
    expect(trained.trainQueries + trained.devQueries).toBe(TOPICS.length);
    expect(trained.rows).toBe(2 * trained.trainQueries);
    expect(trained.positives).toBe(trained.trainQueries);
    // What the head was trained and evaluated on is what /v1/rerank serves for the same ids: the same order.
    const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: encoders.join(','), STRATA_INDEX: alias });
    const { app, heads } = await makeApp({ config, es, pool, headsDir: path.join(dir, 'heads-judged') });
    const head = heads.get('judged-lr', 'rerank');
    const { groups } = await collectGroups({ client: es, pool, queryEmbedder, index: alias, queries, ids, window: 10, rrfK: 60, encoders, candidates, seed: 5 });
    const offline = rankGroups(groups, (r, n) => head.predict(r, n));
    for (const g of groups.slice(0, 4)) {
      const t = g.queryId;
      const res = await postJson(app, '/v1/rerank', { query: queries.get(t), ids: candidates.get(t), head: 'judged-lr', weights: { recency: 0, popularity: 0, rating: 0, trust: 0, price: 0 } });
      expect(res.status).toBe(200);
      const results = ((await res.json()) as { results: Array<{ index: number; relevance_score: number }> }).results;
      expect(results.map((r) => candidates.get(t)![r.index]), t).toEqual(offline.get(t));
      // With the metadata weights at 0 the score is the head's probability on the very rows it was trained on.
      const p = head.predict(g.rows, g.ids.length);
      for (const r of results) expect(r.relevance_score, `${t} ${candidates.get(t)![r.index]}`).toBeCloseTo(p[g.ids.indexOf(candidates.get(t)![r.index]!)]!, 5);
    }
    heads.close();
  }, 120_000);
});

describe('train rerank views, synthetic judgments with a held-out dev split', () => {
  it('writes index and inline heads from one first-stage pass; the inline head uses request features only and serves inline documents', async () => {
    const judgmentsFile = path.join(dir, 'judgments-views.jsonl');
    const lines = TOPICS.flatMap((t) => [
      { query_id: t, query: t, doc_id: `${t}-good`, grade: 1, split: HELD_OUT.includes(t) ? 'dev' : 'train' },
      { query_id: t, query: t, doc_id: `${t}-1`, grade: 0, split: HELD_OUT.includes(t) ? 'dev' : 'train' },
    ]);
    await writeFile(judgmentsFile, lines.map((l) => JSON.stringify(l)).join('\n'));
    const { queries, qrels, splits } = await readJudgments(judgmentsFile);
    const headsDir = path.join(dir, 'heads-views');
    // The extra dev set is the dev split itself, named beside judgments that also cover the training queries: its
    // score must be the dev score (training queries absent from its run are not counted as misses).
    const devIds = [...splits].filter(([, s]) => s === 'dev').map(([id]) => id);
    const extraDev = { label: 'same dev', queries, qrels, ids: devIds };
    const result = await trainRerankHeads({ client: es, pool, queryEmbedder, index: alias, queries, qrels, splits, extraDev, encoders, window: 10, rrfK: 60, name: 'shop', views: ['index', 'inline'], types: ['lr'], lrEpochs: [50], lrLearningRate: 0.05, outDir: headsDir });
    expect(result).toMatchObject({ trainQueries: 10, devQueries: 2, views: ['index', 'inline'] });
    const indexHead = result.heads.find((h) => h.head === 'shop-lr')!;
    expect(indexHead.sweep[0]!.extraDevNdcg10).toBeCloseTo(indexHead.sweep[0]!.devNdcg10, 6);
    expect((await readdir(headsDir)).sort()).toEqual(['shop-inline-lr.json', 'shop-lr.json']);
    const store = await openHeadStore({ dir: headsDir, rerankFeatures: featureNames({ textEncoders: encoders }) });
    const inline = store.get('shop-inline-lr').artifact;
    expect(inline).toMatchObject({ view: 'inline', scopes: { index: [] } });
    expect(inline.features.some((f) => f.startsWith('fs:'))).toBe(false);
    expect(inline.features).toContain('loc:fused_rrank');
    expect(store.get('shop-lr').artifact).toMatchObject({ view: 'index' });
    expect(store.get('shop-lr').artifact.features).toContain('fs:fused_rrank');
    const chosen = chooseRerankHead((n) => store.get(n, 'rerank'), (n) => store.has(n), 'shop-lr', new Set(['request']));
    expect(chosen.predictor.artifact.name).toBe('shop-inline-lr');
    store.close();
  }, 120_000);

  it('synthesises judgments from a catalog: documents held out for dev, attribute queries judged by the catalog', async () => {
    const docs: SynthDoc[] = TOPICS.flatMap((t) => [
      { id: `${t}-1`, title: `${t}`, text: '', category: `home/${t}s`, attributes: { colour: 'Red' } },
      { id: `${t}-2`, title: `${t} basic`, text: '', category: `home/${t}s`, attributes: { colour: 'Red' } },
      { id: `${t}-good`, title: `Premium ${t} model with extras and warranty`, text: '', category: `home/${t}s`, attributes: { colour: 'Black' } },
    ]);
    const out = path.join(dir, 'synth.jsonl');
    const report = await synthesize({ client: es, pool, queryEmbedder, index: alias, encoders, window: 10, rrfK: 60, docs, out, perDoc: 2, devFraction: 0.25 });
    expect(report.splits.dev).toBeGreaterThan(0);
    expect(report.strategies['attribute-combo']).toBeGreaterThan(0);
    const { splits, qrels, queries } = await readJudgments(out);
    const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { query_id: string; doc_id: string; grade: number; strategy: string; split: string });
    // A dev document's queries are all on the dev side.
    for (const r of rows) expect(splits.get(r.query_id)).toBe(r.split);
    // Attribute queries are judged by the catalog: every positive has the asked category and colour, every document
    // with them in the window is positive.
    const combos = [...new Set(rows.filter((r) => r.strategy === 'attribute-combo').map((r) => r.query_id))];
    expect(combos.length).toBeGreaterThan(0);
    for (const id of combos) {
      const text = queries.get(id)!;
      const topic = TOPICS.find((t) => text.includes(t))!;
      const colour = /red/.test(text) ? 'Red' : /black/.test(text) ? 'Black' : null;
      const want = (d: SynthDoc) => d.id.startsWith(`${topic}-`) && (!colour || d.attributes!.colour === colour);
      for (const [docId, grade] of qrels.get(id)!) expect([docId, grade > 0]).toEqual([docId, want(docs.find((d) => d.id === docId)!)]);
    }
  }, 120_000);
});
