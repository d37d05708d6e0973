/**
 * End to end on data the test makes: a tiny catalog indexed into a fresh alias, judgments written to a file,
 * `trainRerankHeads` (first stage -> shared features -> LR head) writing `default.json` into a temp heads dir,
 * the head store reloading it, and the trained head ordering a held-out query's relevant product above where the
 * built-in default head puts it. Relevance here follows the rating, a signal the built-in head ignores.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
import { trainRerankHeads } from '../../training/rerank/train-rerank.ts';

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
});
