/**
 * `strata train rerank` as a use case: query-level train/dev split of the judgments (or the split the judgments
 * carry: `strata synth` holds out whole documents for dev), first stage + features for every query, then LR and
 * XGBoost heads whose training length (LR steps, XGBoost rounds) is chosen on dev nDCG@10 (ml-xgboost has no
 * evaluation callbacks, so each round count is a separate fit), written as artifacts. A head's view decides its
 * features: `index` (everything) or `inline` (request-local features only, trained on the windows both as stored
 * documents and as Cohere-style strings, so it serves `/v1/rerank` with inline documents).
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HeadArtifact } from '../../service/heads/artifact.ts';
import { createPredictor } from '../../service/heads/predict.ts';
import { splitQueries, type Qrels } from '../data/beir.ts';
import { evaluateRun } from '../eval/metrics.ts';
import { trainLrHead, trainXgbHead } from '../heads/train.ts';
import { trainSoftmaxHead } from '../heads/softmax.ts';
import { collectGroups, rankGroups, selectColumns, subsampleNegatives, trainingSetOf, xgbRowCap, type CollectOptions, type QueryGroup } from './collect.ts';
import { featureScope, viewFeatures, type HeadView } from '../../service/features/scopes.ts';

export interface RerankTrainOptions extends Omit<CollectOptions, 'ids' | 'onProgress' | 'stringForms'> {
  qrels: Qrels;
  /** `index` (default): all features; `inline`: request-local features, names get `-inline`. */
  view?: HeadView;
  /** Several views trained on one collection of the first stage (overrides `view`). */
  views?: readonly HeadView[];
  /** A fixed split per query id (e.g. from synthetic judgments); queries it does not name are left out. */
  splits?: ReadonlyMap<string, 'train' | 'dev'>;
  /** Another judged set every sweep point is also scored on (e.g. real dev queries beside a synthetic dev split). */
  extraDev?: { label: string; queries: ReadonlyMap<string, string>; qrels: Qrels; ids: readonly string[] };
  devFraction?: number;
  seed?: number;
  name?: string;
  types?: ReadonlyArray<'lr' | 'xgb'>;
  /** `adam`: the Float32Array softmax/sigmoid trainer (sweeps epochs); `ml`: ml-logistic-regression (sweeps steps). */
  lrTrainer?: 'adam' | 'ml';
  lrEpochs?: readonly number[];
  lrSteps?: readonly number[];
  lrLearningRate?: number;
  /** Rows XGBoost trains on at most (negatives are subsampled above it; lowered further to fit its heap, see xgbRowCap). */
  xgbMaxRows?: number;
  xgbRounds?: readonly number[];
  xgbDepth?: number;
  eta?: number;
  outDir?: string;
  /** Extra facts recorded in every artifact's metrics (data source, index). */
  provenance?: Record<string, unknown>;
  log?: (message: string) => void;
  onProgress?: (what: string, done: number, total: number) => void;
}

export interface SweepPoint {
  value: number;
  devNdcg10: number;
  /** nDCG@10 on `extraDev`, when given. */
  extraDevNdcg10?: number;
  seconds: number;
}

export interface RerankHeadResult {
  head: string;
  type: 'lr' | 'xgb';
  chosen: number;
  unit: string;
  sweep: SweepPoint[];
  dev: { ndcg10: number; mrr10: number; recall100: number };
  trainSeconds: number;
  artifactBytes: number;
  file: string | null;
  artifact: HeadArtifact;
}

export interface RerankTrainResult {
  view: HeadView;
  views: readonly HeadView[];
  trainQueries: number;
  devQueries: number;
  rows: number;
  positives: number;
  features: string[];
  /** Dev metrics of the first-stage (hybrid) order, the baseline the heads must beat. */
  devHybrid: { ndcg10: number; mrr10: number; recall100: number };
  heads: RerankHeadResult[];
  best: string | null;
}

function devMetrics(run: Map<string, string[]>, qrels: Qrels) {
  return { ndcg10: evaluateRun(run, qrels, { k: 10 }).mean.ndcg, mrr10: evaluateRun(run, qrels, { k: 10 }).mean.mrr, recall100: evaluateRun(run, qrels, { k: 100 }).mean.recall };
}

async function scoreDev(artifact: HeadArtifact, dev: readonly QueryGroup[]): Promise<Map<string, string[]>> {
  const predictor = await createPredictor(artifact);
  try {
    return rankGroups(dev, (rows, n) => predictor.predict(rows, n));
  } finally {
    predictor.dispose();
  }
}

/**
 * Groups restricted to a view's features; for the inline view each window also appears as strings (query id
 * `<id>#string`, same judgments), so the head learns to rank both forms.
 *
 * @example const v = viewGroups(groups, names, 'inline', qrels);
 */
export function viewGroups(groups: readonly QueryGroup[], names: readonly string[], view: HeadView, qrels: Qrels): { names: string[]; groups: QueryGroup[]; qrels: Qrels } {
  const kept = viewFeatures(names, view);
  const out: QueryGroup[] = [];
  const q: Qrels = new Map(qrels);
  for (const g of groups) {
    out.push({ queryId: g.queryId, ids: g.ids, rows: selectColumns(g.rows, names, kept) });
    if (view === 'inline' && g.stringRows) {
      const id = `${g.queryId}#string`;
      out.push({ queryId: id, ids: g.ids, rows: selectColumns(g.stringRows, names, kept) });
      const judged = qrels.get(g.queryId);
      if (judged) q.set(id, judged);
    }
  }
  return { names: kept, groups: out, qrels: q };
}

/**
 * Trains rerank heads from judgments and writes them; with several `views`, the first stage is collected once and
 * each view's heads are trained on it.
 *
 * @example const result = await trainRerankHeads({ client, pool, queryEmbedder, index, queries, qrels, encoders, window: 100, rrfK: 60 });
 */
export async function trainRerankHeads(options: RerankTrainOptions): Promise<RerankTrainResult> {
  const { devFraction = 0.2, seed = 13, log = () => undefined } = options;
  const views = options.views ?? [options.view ?? 'index'];
  const judged = [...options.qrels.keys()].filter((id) => options.queries.has(id) && [...options.qrels.get(id)!.values()].some((g) => g > 0));
  const split = options.splits
    ? { train: judged.filter((id) => options.splits!.get(id) === 'train'), dev: judged.filter((id) => options.splits!.get(id) === 'dev') }
    : splitQueries(judged, { devFraction, seed });
  log(`${split.train.length} training queries, ${split.dev.length} dev queries (${options.splits ? 'split given by the judgments' : `seed ${seed}`}); views ${views.join(', ')}`);
  const { onProgress, ...rest } = options;
  const collect = (queries: ReadonlyMap<string, string>, ids: readonly string[], what: string, stringForms: boolean, own = true) =>
    collectGroups({ ...rest, queries, ids, stringForms, ...(own ? {} : { candidates: undefined }), ...(onProgress ? { onProgress: (d: number, t: number) => onProgress(what, d, t) } : {}) });
  const inline = views.includes('inline');
  const trainAll = await collect(options.queries, split.train, 'first stage (train)', inline);
  const devAll = await collect(options.queries, split.dev, 'first stage (dev)', inline);
  const allNames = trainAll.names.length ? trainAll.names : devAll.names;
  // Judgments of the extra dev queries only: evaluateRun counts a judged query missing from the run as 0, and
  // the extra source's qrels usually cover its training queries too.
  const extraQrels = (e: NonNullable<RerankTrainOptions['extraDev']>): Qrels => new Map(e.ids.filter((id) => e.qrels.has(id)).map((id) => [id, e.qrels.get(id)!]));
  const extra = options.extraDev
    ? { ...options.extraDev, qrels: extraQrels(options.extraDev), groups: (await collect(options.extraDev.queries, options.extraDev.ids, `first stage (${options.extraDev.label})`, false, false)).groups }
    : null;
  const results: RerankTrainResult[] = [];
  for (const view of views) results.push(await trainView({ options, view, split, allNames, trainAll: trainAll.groups, devAll: devAll.groups, extra, log }));
  const first = results[0]!;
  return { ...first, views, heads: results.flatMap((r) => r.heads), best: results.map((r) => r.best).filter(Boolean).join(', ') || null };
}

interface ViewInput {
  options: RerankTrainOptions;
  view: HeadView;
  split: { train: string[]; dev: string[] };
  allNames: string[];
  trainAll: QueryGroup[];
  devAll: QueryGroup[];
  extra: (NonNullable<RerankTrainOptions['extraDev']> & { groups: QueryGroup[] }) | null;
  log: (m: string) => void;
}

async function trainView({ options, view, split, allNames, trainAll, devAll, extra, log }: ViewInput): Promise<RerankTrainResult> {
  const { devFraction = 0.2, seed = 13, types = ['lr', 'xgb'] } = options;
  const name = view === 'inline' && !(options.name ?? 'default').endsWith('-inline') ? `${options.name ?? 'default'}-inline` : (options.name ?? 'default');
  const train = viewGroups(trainAll, allNames, view, options.qrels);
  const dev = viewGroups(devAll, allNames, view, options.qrels);
  const names = train.names;
  const qrels = new Map([...train.qrels, ...dev.qrels]);
  const { set, positives } = trainingSetOf(train.groups, names, qrels);
  const devIds = dev.groups.map((g) => g.queryId);
  const devQrels: Qrels = new Map(devIds.filter((id) => qrels.has(id)).map((id) => [id, qrels.get(id)!]));
  const devHybrid = devMetrics(new Map(dev.groups.map((g) => [g.queryId, g.ids])), devQrels);
  log(`${view} view: training rows ${set.n} (${positives} positive); dev hybrid nDCG@10 ${devHybrid.ndcg10.toFixed(4)}`);
  const provenance = { ...options.provenance, view, index: options.index, window: options.window, encoders: [...options.encoders], interactionDims: options.interactionDims ?? 0, devFraction, seed, splitGiven: !!options.splits, trainQueries: split.train.length, devQueries: split.dev.length, rows: set.n, positives };
  const scopes = { index: names.filter((f) => featureScope(f) === 'index'), request: names.filter((f) => featureScope(f) === 'request') };
  // Extra dev rows are collected with every feature: each head reads its own columns.
  const projected = (groups: readonly QueryGroup[]) => groups.map((g) => ({ ...g, rows: selectColumns(g.rows, allNames, names) }));
  const heads: RerankHeadResult[] = [];
  for (const type of types) {
    const head = `${name}-${type}`;
    const adam = (options.lrTrainer ?? 'adam') === 'adam';
    const values = type === 'lr' ? (adam ? (options.lrEpochs ?? [1, 3, 10, 30]) : (options.lrSteps ?? [100, 300, 1000])) : (options.xgbRounds ?? [25, 50, 100, 200]);
    const unit = type === 'lr' ? (adam ? 'epochs' : 'steps') : 'rounds';
    const xgbSet = type === 'xgb' ? subsampleNegatives(set, xgbRowCap(options.xgbMaxRows ?? 40_000, names.length), seed) : set;
    if (xgbSet.n < set.n) log(`${head}: negatives subsampled to ${xgbSet.n} rows (ml-xgboost memory limit)`);
    const sweep: SweepPoint[] = [];
    let best: { artifact: HeadArtifact; run: Map<string, string[]>; point: SweepPoint } | undefined;
    for (const value of values) {
      const t0 = performance.now();
      const artifact =
        type === 'xgb'
          ? await trainXgbHead(xgbSet, { name: head, task: 'rerank' }, { iterations: value, maxDepth: options.xgbDepth ?? 4, eta: options.eta ?? 0.1 })
          : adam
            ? trainSoftmaxHead(set, { name: head, task: 'rerank' }, { epochs: value, batchSize: 256, learningRate: options.lrLearningRate ?? 0.01, l2: 1e-4, seed })
            : trainLrHead(set, { name: head, task: 'rerank' }, { steps: value, ...(options.lrLearningRate ? { learningRate: options.lrLearningRate } : {}) });
      const seconds = (performance.now() - t0) / 1000;
      const run = await scoreDev(artifact, dev.groups);
      const extraNdcg = extra ? evaluateRun(await scoreDev(artifact, projected(extra.groups)), extra.qrels, { k: 10 }).mean.ndcg : undefined;
      const point: SweepPoint = { value, devNdcg10: evaluateRun(run, devQrels, { k: 10 }).mean.ndcg, ...(extraNdcg !== undefined ? { extraDevNdcg10: extraNdcg } : {}), seconds };
      sweep.push(point);
      log(`${head} ${unit} ${value}: dev nDCG@10 ${point.devNdcg10.toFixed(4)}${extraNdcg !== undefined ? `, ${options.extraDev!.label} ${extraNdcg.toFixed(4)}` : ''} (${seconds.toFixed(1)} s)`);
      options.onProgress?.(`training ${head}`, sweep.length, values.length);
      if (!best || point.devNdcg10 > best.point.devNdcg10) best = { artifact, run, point };
    }
    const chosen = best!;
    chosen.artifact.view = view;
    chosen.artifact.scopes = scopes;
    const dm = devMetrics(chosen.run, devQrels);
    chosen.artifact.metrics = { ...provenance, [unit]: chosen.point.value, trainedRows: type === 'xgb' ? xgbSet.n : set.n, devNdcg10: dm.ndcg10, devMrr10: dm.mrr10, devRecall100: dm.recall100, devHybridNdcg10: devHybrid.ndcg10, sweep, trainSeconds: chosen.point.seconds };
    const json = JSON.stringify(chosen.artifact);
    let file: string | null = null;
    if (options.outDir) {
      await mkdir(options.outDir, { recursive: true });
      file = path.join(options.outDir, `${head}.json`);
      await writeFile(file, json);
    }
    heads.push({ head, type, chosen: chosen.point.value, unit, sweep, dev: dm, trainSeconds: chosen.point.seconds, artifactBytes: file ? (await stat(file)).size : Buffer.byteLength(json), file, artifact: chosen.artifact });
  }
  const bestHead = heads.reduce<RerankHeadResult | undefined>((b, h) => (!b || h.dev.ndcg10 > b.dev.ndcg10 ? h : b), undefined);
  if (bestHead && (name === 'default' || name === 'default-inline') && options.outDir) {
    // The service serves `default` for /v1/search (and `default-inline` for inline documents): the best head on
    // dev becomes it (the artifact's name must match).
    await writeFile(path.join(options.outDir, `${name}.json`), JSON.stringify({ ...bestHead.artifact, name, metrics: { ...bestHead.artifact.metrics, copiedFrom: bestHead.head } }));
    log(`${name}.json <- ${bestHead.head}`);
  }
  return { view, views: [view], trainQueries: split.train.length, devQueries: split.dev.length, rows: set.n, positives, features: names, devHybrid, heads, best: bestHead?.head ?? null };
}
