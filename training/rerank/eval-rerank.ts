/**
 * `strata eval rerank` as a use case: on the judged (dev) queries of a BEIR set, the systems `bm25`,
 * `knn:<encoder>`, optionally `hybrid:<encoder>` (plain RRF of BM25 and kNN with that encoder), `hybrid`
 * (first-stage RRF order) and `hybrid+<head>` (firstStage -> assembleFeatures ->
 * head -> sort by probability) are scored with nDCG@10, MRR@10 and Recall@100, each with a 95 % bootstrap
 * interval over queries and a paired randomization test against BM25. Heads trained with different
 * `interactionDims` are compared in one run: the first stage runs once and each head's rows are assembled with
 * the interaction features its artifact lists. With `candidates`, every system ranks each query's given documents
 * (ESCI's reranking task) rather than retrieving from the whole index, beside a seeded `random` order.
 */
import type { Client } from '@elastic/elasticsearch';
import type { HeadPredictor } from '../../service/heads/predict.ts';
import type { EncoderPool } from '../../service/pool/pool.ts';
import { retrieve } from '../../service/retrieval/hybrid.ts';
import type { QueryEmbedder } from '../../service/usecases/embed.ts';
import type { Qrels } from '../data/beir.ts';
import { evaluateRun } from '../eval/metrics.ts';
import { bootstrapCI, pairedRandomizationTest, type ConfidenceInterval, type PairedTestResult } from '../eval/stats.ts';
import { featureNames, interactionDimsOf } from '../../service/features/assemble.ts';
import { collectGroups, completeRanking, rankGroups, reassembleGroups, selectColumns, type QueryGroup } from './collect.ts';
import type { IndexTuningStore } from '../../service/retrieval/tuning-store.ts';

export interface EvalRerankOptions {
  client: Client;
  pool: EncoderPool;
  queryEmbedder: QueryEmbedder;
  index: string;
  queries: ReadonlyMap<string, string>;
  qrels: Qrels;
  ids: readonly string[];
  encoders: readonly string[];
  /** The assembler's interaction features for the `hybrid` features (0: none); heads get their own (see above). */
  interactionDims?: number;
  /** Encoders to run kNN alone with (default: every text encoder of the index). */
  knn?: readonly string[];
  /** Encoders to run plain hybrid (BM25 + kNN with that encoder, RRF) with, as systems `hybrid:<encoder>` (default: none). */
  hybrid?: readonly string[];
  heads: ReadonlyArray<{ name: string; predictor: HeadPredictor }>;
  /** The index's tuning (fitted BM25 boosts and fusion, adapter), as the service uses it. */
  tuning?: IndexTuningStore;
  window: number;
  rrfK: number;
  seed?: number;
  concurrency?: number;
  /**
   * Query id -> the documents each system ranks for it (ESCI's reranking task: its judged products) instead of the
   * whole index; adds the system `random` (those documents in a seeded order), the floor any system must beat.
   */
  candidates?: ReadonlyMap<string, readonly string[]>;
  onProgress?: (what: string, done: number, total: number) => void;
}

export interface SystemResult {
  system: string;
  queries: number;
  ndcg10: ConfidenceInterval;
  mrr10: ConfidenceInterval;
  recall100: ConfidenceInterval;
  vsBm25: { ndcg10: PairedTestResult } | null;
  /** Paired test against kNN with the first (kNN) encoder alone. */
  vsKnn: { system: string; ndcg10: PairedTestResult } | null;
  seconds: number;
}

async function retrievalRun(o: EvalRerankOptions, mode: 'bm25' | 'knn' | 'hybrid', encoder: string, what: string): Promise<Map<string, string[]>> {
  const run = new Map<string, string[]>();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < o.ids.length) {
      const id = o.ids[next++]!;
      const text = o.queries.get(id)!;
      const queryVector = mode !== 'bm25' ? (await o.queryEmbedder.embed(text, [encoder]))[encoder] : undefined;
      const tuned = o.tuning ? (await o.tuning.get(o.index)).tuning : null;
      const given = o.candidates?.get(id);
      const scope = given ? { filters: { ids: [...given] }, window: Math.max(1, given.length) } : { window: o.window };
      const { candidates } = await retrieve({ client: o.client, pool: o.pool, index: o.index, query: text, mode, ...scope, rrfK: o.rrfK, encoder, withSource: false, ...(queryVector ? { queryVector } : {}), ...(tuned?.bm25 ? { bm25: tuned.bm25 } : {}) });
      const ranked = candidates.map((c) => c.id);
      run.set(id, given ? completeRanking(ranked, given, id, o.seed) : ranked);
      o.onProgress?.(what, ++done, o.ids.length);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 4 }, worker));
  return run;
}

/**
 * Each query's judged documents that the index holds, for `candidates` (a judged document the index lacks would
 * otherwise sit in the retrieval-only systems' rankings but not in the reranked ones). Also how many were missing.
 *
 * @example const { candidates, missing } = await judgedCandidates(client, 'esci', qrels, devIds);
 */
export async function judgedCandidates(client: Client, index: string, qrels: Qrels, ids: readonly string[]): Promise<{ candidates: Map<string, string[]>; missing: number }> {
  const all = [...new Set(ids.flatMap((id) => [...(qrels.get(id)?.keys() ?? [])]))];
  const present = new Set<string>();
  for (let i = 0; i < all.length; i += 5000) {
    const batch = all.slice(i, i + 5000);
    const res = await client.search({ index, size: batch.length, _source: false, query: { ids: { values: batch } } });
    for (const hit of res.hits.hits) if (hit._id !== undefined) present.add(hit._id);
  }
  const candidates = new Map(ids.map((id) => [id, [...(qrels.get(id)?.keys() ?? [])].filter((d) => present.has(d))]));
  return { candidates, missing: all.length - present.size };
}

/**
 * The systems evaluateRerank scores, in report order (so names given on the command line can be checked first);
 * evaluateRerank fails if what it ran differs from this list.
 *
 * @example plannedSystems({ encoders: ['text/minilm'], heads: [{ name: 'x-lr' }] }) // ['bm25', 'knn:text/minilm', 'hybrid', 'hybrid+x-lr']
 */
export function plannedSystems(o: Pick<EvalRerankOptions, 'encoders' | 'knn' | 'hybrid'> & { heads: ReadonlyArray<{ name: string }>; candidates?: unknown }): string[] {
  // A name given twice (`--heads a,a`) is one system, as the runs map keeps it.
  return [...new Set([...(o.candidates ? ['random'] : []), 'bm25', ...(o.knn ?? o.encoders).map((e) => `knn:${e}`), ...(o.hybrid ?? []).map((e) => `hybrid:${e}`), 'hybrid', ...o.heads.map((h) => `hybrid+${h.name}`)])];
}

/**
 * Runs every system and scores it.
 *
 * @example const { systems } = await evaluateRerank({ client, pool, queryEmbedder, index, queries, qrels, ids: dev, encoders, heads, window: 100, rrfK: 60 });
 */
export async function evaluateRerank(o: EvalRerankOptions): Promise<{ systems: SystemResult[]; runs: Map<string, Map<string, string[]>> }> {
  const runs = new Map<string, Map<string, string[]>>();
  const seconds = new Map<string, number>();
  const timed = async (name: string, f: () => Promise<Map<string, string[]>>) => {
    const t0 = performance.now();
    runs.set(name, await f());
    seconds.set(name, (performance.now() - t0) / 1000);
  };
  const given = o.candidates;
  if (given) await timed('random', async () => new Map(o.ids.map((id) => [id, completeRanking([], given.get(id) ?? [], id, o.seed)])));
  await timed('bm25', () => retrievalRun(o, 'bm25', o.encoders[0]!, 'bm25'));
  for (const e of o.knn ?? o.encoders) await timed(`knn:${e}`, () => retrievalRun(o, 'knn', e, `knn:${e}`));
  for (const e of o.hybrid ?? []) await timed(`hybrid:${e}`, () => retrievalRun(o, 'hybrid', e, `hybrid:${e}`));
  const t0 = performance.now();
  const { onProgress, ...rest } = o;
  const baseDims = o.interactionDims ?? 0;
  const dimsOf = (h: EvalRerankOptions['heads'][number]) => interactionDimsOf(h.predictor.artifact.features);
  const keepCandidates = o.heads.some((h) => dimsOf(h) !== baseDims);
  const { names, groups } = await collectGroups({
    ...rest,
    interactionDims: baseDims,
    keepCandidates,
    ...(onProgress ? { onProgress: (d: number, t: number) => onProgress('hybrid + features', d, t) } : {}),
  });
  runs.set('hybrid', new Map(groups.map((g) => [g.queryId, g.ids])));
  seconds.set('hybrid', (performance.now() - t0) / 1000);
  const rowsByDims = new Map<number, QueryGroup[]>([[baseDims, groups]]);
  for (const h of o.heads) {
    const t1 = performance.now();
    const dims = dimsOf(h);
    if (!rowsByDims.has(dims)) rowsByDims.set(dims, reassembleGroups(groups, { textEncoders: o.encoders, interactionDims: dims }).groups);
    const all = dims === baseDims ? names : featureNames({ textEncoders: o.encoders, interactionDims: dims });
    const features = h.predictor.artifact.features;
    runs.set(`hybrid+${h.name}`, rankGroups(rowsByDims.get(dims)!, (rows, n) => h.predictor.predict(rows, n), { rowsOf: (g) => selectColumns(g.rows, all, features) }));
    seconds.set(`hybrid+${h.name}`, seconds.get('hybrid')! + (performance.now() - t1) / 1000);
  }

  const qrels: Qrels = new Map(o.ids.filter((id) => o.qrels.has(id)).map((id) => [id, o.qrels.get(id)!]));
  const perQuery = (run: Map<string, string[]>) => {
    const at10 = evaluateRun(run, qrels, { k: 10 });
    const at100 = evaluateRun(run, qrels, { k: 100 });
    const ids = [...at10.perQuery.keys()];
    return { ids, ndcg: ids.map((id) => at10.perQuery.get(id)!.ndcg), mrr: ids.map((id) => at10.perQuery.get(id)!.mrr), recall: ids.map((id) => at100.perQuery.get(id)!.recall) };
  };
  const seed = o.seed ?? 1;
  const base = perQuery(runs.get('bm25')!);
  const knnName = `knn:${(o.knn ?? o.encoders)[0]}`;
  const knnBase = runs.has(knnName) ? perQuery(runs.get(knnName)!) : null;
  // The report lists the systems as `plannedSystems` does (the CLI checks `--compare` names against it): a system
  // run here but not planned there, or the reverse, is a bug to fail on, not a row to drop.
  const planned = plannedSystems(o);
  if (planned.length !== runs.size || planned.some((s) => !runs.has(s))) throw new Error(`evaluateRerank ran [${[...runs.keys()].join(', ')}] but plannedSystems lists [${planned.join(', ')}]`);
  const systems: SystemResult[] = planned.map((system) => {
    const m = perQuery(runs.get(system)!);
    return {
      system,
      queries: m.ids.length,
      ndcg10: bootstrapCI(m.ndcg, { seed }),
      mrr10: bootstrapCI(m.mrr, { seed }),
      recall100: bootstrapCI(m.recall, { seed }),
      vsBm25: system === 'bm25' ? null : { ndcg10: pairedRandomizationTest(m.ndcg, base.ndcg, { seed, samples: 10_000 }) },
      vsKnn: system === 'bm25' || system === knnName || !knnBase ? null : { system: knnName, ndcg10: pairedRandomizationTest(m.ndcg, knnBase.ndcg, { seed, samples: 10_000 }) },
      seconds: seconds.get(system) ?? 0,
    };
  });
  return { systems, runs };
}
