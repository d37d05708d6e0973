/**
 * Per-index tuning end to end on a small catalog the test makes, against the real Elasticsearch: `trainFusion`
 * fits boosts and fusion from judgments and stores them with the index; the service then fuses with them
 * (`rerank: false` shows the fused order), the `_meta` keys the index had stay; a stored adapter named by the
 * tuning is loaded and applied to query vectors; a broken tuning serves the defaults and says why.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex, indexEncoders } from '../../service/es/indices.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { createQueryEmbedder } from '../../service/usecases/embed.ts';
import { firstStage } from '../../service/usecases/first-stage.ts';
import { createIndexTuningStore } from '../../service/retrieval/tuning-store.ts';
import { readIndexTuning, writeIndexTuning } from '../../service/retrieval/tuning.ts';
import { AdapterArtifactSchema, createAdapter } from '../../service/retrieval/adapter.ts';
import { weightedFusion } from '../../service/retrieval/fusion.ts';
import { retrieve } from '../../service/retrieval/hybrid.ts';
import { trainFusion } from '../../training/fusion/train-fusion.ts';
import type { Qrels } from '../../training/data/beir.ts';
import type { CatalogRow } from '../../service/catalog/read.ts';

const esUrl = inject('esUrl');
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1 });
const queryEmbedder = createQueryEmbedder(pool);
const alias = `tuning-${randomUUID().slice(0, 8)}`;
const encoders = ['text/chargram'];
const MODELS = ['AX100', 'BX220', 'CQ315', 'DZ470', 'EK585', 'FM690', 'GT715', 'HR820'];
let adaptersDir = '';

// Each product is named by a code; queries are the bare codes, which BM25 matches exactly and chargram kNN blurs
// (every title shares the same long description).
const rows: CatalogRow[] = MODELS.flatMap((m, i) => [
  { id: `p${i}`, title: `${m} cordless drill`, description: 'A cordless drill with two batteries, a charger and a case for home and garden work.' },
  { id: `q${i}`, title: `${m.slice(0, 2)}${(i + 3) % 10}${m.slice(3)} cordless drill kit`, description: 'A cordless drill with two batteries, a charger and a case for home and garden work.' },
]).map((doc, i) => ({ line: i + 1, ok: true as const, doc }));

beforeAll(async () => {
  adaptersDir = await mkdtemp(path.join(os.tmpdir(), 'strata-adapters-'));
  await ensureIndex(es, alias, { encoders });
  const report = await indexDocuments(rows, { client: es, pool, index: alias, encoders, refresh: 'wait_for' });
  expect(report.indexed).toBe(rows.length);
});

afterAll(async () => {
  const targets = await aliasTargets(es, alias);
  if (targets.length) await es.indices.delete({ index: targets });
  await pool.close();
  await es.close();
});

describe('index tuning', () => {
  it('fits fusion weights on judgments, stores them with the index, and the first stage uses them', async () => {
    const queries = new Map(MODELS.map((m, i) => [`q${i}`, m]));
    const qrels: Qrels = new Map(MODELS.map((_, i) => [`q${i}`, new Map([[`p${i}`, 1]])]));
    const tuning = createIndexTuningStore({ client: es, adaptersDir });
    const result = await trainFusion({ client: es, pool, queryEmbedder, tuning, index: alias, queries, qrels, trainIds: ['q0', 'q1', 'q2', 'q3', 'q4', 'q5'], devIds: ['q6', 'q7'], encoder: encoders[0]!, window: 10, write: true });
    // The grid holds BM25 alone and kNN alone: the fit is at least as good as the better of them on its queries.
    const grid = result.fusion.grid;
    expect(result.fusion.ndcg10).toBeGreaterThanOrEqual(Math.max(...grid.filter((g) => g.fusion.bm25Weight === 0 || g.fusion.bm25Weight === 1).map((g) => g.ndcg10)));
    expect(result.dev.map((r) => r.system)).toEqual(['bm25 (equal boosts)', 'bm25 (title^3)', 'bm25 (fitted)', 'knn', 'rrf', 'fusion (fitted)']);

    const stored = (await readIndexTuning(es, alias)).tuning!;
    expect(stored.fusion).toMatchObject({ method: result.fusion.fusion.method, bm25Weight: result.fusion.fusion.bm25Weight });
    expect((await indexEncoders(es, alias)).order).toEqual(encoders); // the other _meta keys stayed

    const fs = await firstStage({ client: es, pool, queryEmbedder, index: alias, query: 'CQ315', window: 16, rrfK: 60, encoders, tuning });
    expect(fs.tuning?.tuning?.version).toBe(stored.version);
    const vector = (await queryEmbedder.embed('CQ315', encoders))['text/chargram']!;
    const lists = (await retrieve({ client: es, pool, index: alias, query: 'CQ315', window: 16, encoder: 'text/chargram', queryVector: vector, bm25: stored.bm25!, withSource: false })).lists;
    expect(fs.candidates.map((c) => c.id)).toEqual(weightedFusion('CQ315', lists.bm25, lists.knn, stored.fusion!).map((c) => c.id));
  });

  it('applies the adapter the tuning names to query vectors, and serves defaults with a reason when it is missing', async () => {
    const dim = 384;
    const artifact = { format: 'strata-adapter/1', name: 'flip', version: 'v1', encoder: 'text/chargram', side: 'query', dim, rank: 1, down: Array.from({ length: dim }, () => 1), up: Array.from({ length: dim }, (_, i) => (i === 1 ? 5 : 0)), createdAt: 'now' };
    await writeFile(path.join(adaptersDir, 'flip.json'), JSON.stringify(artifact));
    const current = (await readIndexTuning(es, alias)).tuning!;
    await writeIndexTuning(es, alias, { ...current, adapter: { name: 'flip', version: 'v1', encoder: 'text/chargram' } });
    const problems: string[] = [];
    const tuning = createIndexTuningStore({ client: es, adaptersDir, log: (m) => problems.push(m) });
    const raw = (await queryEmbedder.embed('AX100 drill', encoders))['text/chargram']!;
    const fs = await firstStage({ client: es, pool, queryEmbedder, index: alias, query: 'AX100 drill', window: 5, rrfK: 60, encoders, tuning });
    expect(fs.tuning?.adapter?.artifact.name).toBe('flip');
    const want = createAdapter(AdapterArtifactSchema.parse(artifact)).apply(raw);
    expect(Array.from(fs.queryVectors['text/chargram']!)).toEqual(Array.from(want));
    expect(Array.from(want)).not.toEqual(Array.from(raw));

    await writeIndexTuning(es, alias, { ...current, adapter: { name: 'gone', version: 'v1', encoder: 'text/chargram' } });
    tuning.invalidate(alias);
    const without = await tuning.get(alias);
    expect(without.adapter).toBeNull();
    expect(without.problems[0]).toMatch(/adapter "gone" named by index .* could not be loaded/);
    expect(problems.some((p) => /adapter "gone"/.test(p))).toBe(true);
  });
});
