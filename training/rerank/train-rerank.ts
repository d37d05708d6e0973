/**
 * `strata train rerank` as a use case: query-level train/dev split of the judgments, first stage + features for
 * every query, then LR and XGBoost heads whose training length (LR steps, XGBoost rounds) is chosen on dev
 * nDCG@10 (ml-xgboost has no evaluation callbacks, so each round count is a separate fit), written as artifacts.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HeadArtifact } from '../../service/heads/artifact.ts';
import { createPredictor } from '../../service/heads/predict.ts';
import { splitQueries, type Qrels } from '../data/beir.ts';
import { evaluateRun } from '../eval/metrics.ts';
import { trainLrHead, trainXgbHead } from '../heads/train.ts';
import { trainSoftmaxHead } from '../heads/softmax.ts';
import { collectGroups, rankGroups, subsampleNegatives, trainingSetOf, xgbRowCap, type CollectOptions, type QueryGroup } from './collect.ts';

export interface RerankTrainOptions extends Omit<CollectOptions, 'ids' | 'onProgress'> {
  qrels: Qrels;
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
 * Trains rerank heads from judgments and writes them.
 *
 * @example const result = await trainRerankHeads({ client, pool, queryEmbedder, index, queries, qrels, encoders, window: 100, rrfK: 60 });
 */
export async function trainRerankHeads(options: RerankTrainOptions): Promise<RerankTrainResult> {
  const { qrels, devFraction = 0.2, seed = 13, name = 'default', types = ['lr', 'xgb'], log = () => undefined } = options;
  const judged = [...qrels.keys()].filter((id) => options.queries.has(id) && [...qrels.get(id)!.values()].some((g) => g > 0));
  const split = splitQueries(judged, { devFraction, seed });
  log(`${split.train.length} training queries, ${split.dev.length} dev queries (seed ${seed})`);
  const { onProgress, ...rest } = options;
  const collect = (ids: string[], what: string) =>
    collectGroups({ ...rest, ids, ...(onProgress ? { onProgress: (d: number, t: number) => onProgress(what, d, t) } : {}) });
  const train = await collect(split.train, 'first stage (train)');
  const dev = await collect(split.dev, 'first stage (dev)');
  const names = train.names.length ? train.names : dev.names;
  const { set, positives } = trainingSetOf(train.groups, names, qrels);
  const devQrels: Qrels = new Map(split.dev.map((id) => [id, qrels.get(id)!]));
  const devHybrid = devMetrics(new Map(dev.groups.map((g) => [g.queryId, g.ids])), devQrels);
  log(`training rows: ${set.n} (${positives} positive); dev hybrid nDCG@10 ${devHybrid.ndcg10.toFixed(4)}`);
  const provenance = { ...options.provenance, index: options.index, window: options.window, encoders: [...options.encoders], interactionDims: options.interactionDims ?? 0, devFraction, seed, trainQueries: split.train.length, devQueries: split.dev.length, rows: set.n, positives };

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
      const point = { value, devNdcg10: evaluateRun(run, devQrels, { k: 10 }).mean.ndcg, seconds };
      sweep.push(point);
      log(`${head} ${unit} ${value}: dev nDCG@10 ${point.devNdcg10.toFixed(4)} (${seconds.toFixed(1)} s)`);
      options.onProgress?.(`training ${head}`, sweep.length, values.length);
      if (!best || point.devNdcg10 > best.point.devNdcg10) best = { artifact, run, point };
    }
    const chosen = best!;
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
  if (bestHead && name === 'default' && options.outDir) {
    // The service serves `default` for /v1/search: the best head on dev becomes it (the artifact's name must match).
    await writeFile(path.join(options.outDir, 'default.json'), JSON.stringify({ ...bestHead.artifact, name: 'default', metrics: { ...bestHead.artifact.metrics, copiedFrom: bestHead.head } }));
    log(`default.json <- ${bestHead.head}`);
  }
  return { trainQueries: split.train.length, devQueries: split.dev.length, rows: set.n, positives, features: names, devHybrid, heads, best: bestHead?.head ?? null };
}
