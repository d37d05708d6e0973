/**
 * Head training on a row-major feature matrix: standardisation statistics, logistic regression with
 * `ml-logistic-regression` (one-vs-rest gradient descent; a bias column is appended because the library has
 * none) and XGBoost with `ml-xgboost`, each written as a versioned artifact the service loads.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Matrix } from 'ml-matrix';
import type { HeadArtifact } from '../../service/heads/artifact.ts';
import { standardise } from '../../service/heads/predict.ts';
import { trainXgb, type XgbTrainOptions } from '../../service/heads/xgb.ts';

interface MlLogReg {
  train(x: Matrix, y: Matrix): void;
  toJSON(): { numberClasses: number; classifiers: Array<{ weights: Matrix | number[][] }> };
}
const require = createRequire(import.meta.url);
const LogisticRegression = require('ml-logistic-regression') as new (o: { numSteps: number; learningRate: number }) => MlLogReg;

export interface TrainingSet {
  rows: Float32Array;
  n: number;
  names: readonly string[];
  /** Binary relevance (0/1) for rerank heads, class index for classify heads. */
  labels: ArrayLike<number>;
}

/**
 * Mean and standard deviation of every column.
 *
 * @example normalisationOf(Float32Array.of(1, 3), 2, 1) // { mean: [2], std: [1] }
 */
export function normalisationOf(rows: Float32Array, n: number, d: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j]! += rows[r * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(1, n);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) sq[j]! += (rows[r * d + j]! - mean[j]!) ** 2;
  return { mean, std: sq.map((s) => Math.sqrt(s / Math.max(1, n))) };
}

/** A short hash of the training data (features and labels), recorded in the artifact. */
export function hashTrainingData(set: TrainingSet): string {
  const h = createHash('sha256');
  h.update(Buffer.from(set.rows.buffer, set.rows.byteOffset, set.n * set.names.length * 4));
  h.update(Buffer.from(Float32Array.from(set.labels as ArrayLike<number>).buffer));
  h.update(set.names.join('\n'));
  return h.digest('hex').slice(0, 16);
}

function standardised(set: TrainingSet) {
  const d = set.names.length;
  const norm = normalisationOf(set.rows, set.n, d);
  return { d, norm, x: standardise(set.rows.slice(0, set.n * d), set.n, norm.mean, norm.std) };
}

export interface LrOptions {
  steps?: number;
  /** Gradient descent step on the mean gradient (the library sums over rows, so it is divided by n). */
  learningRate?: number;
}

/**
 * Trains a binary (rerank) or one-vs-rest (classify) logistic regression with ml-logistic-regression.
 * The library's classifier c gives P(y != c) = sigmoid(w.x); the artifact stores -w so that sigmoid gives P(y = c).
 *
 * @example const artifact = trainLrHead(set, { name: 'default', task: 'rerank' });
 */
export function trainLrHead(
  set: TrainingSet,
  meta: { name: string; task: 'rerank' | 'classify'; labels?: string[]; encoders?: string[]; metrics?: Record<string, unknown> },
  { steps = 500, learningRate = 0.5 }: LrOptions = {},
): HeadArtifact {
  const { d, norm, x } = standardised(set);
  const withBias = new Matrix(set.n, d + 1);
  for (let r = 0; r < set.n; r++) {
    for (let j = 0; j < d; j++) withBias.set(r, j, x[r * d + j]!);
    withBias.set(r, d, 1);
  }
  const y = Matrix.columnVector(Array.from(set.labels as ArrayLike<number>));
  const model = new LogisticRegression({ numSteps: steps, learningRate: learningRate / set.n });
  model.train(withBias, y);
  const json = model.toJSON();
  const toRow = (w: Matrix | number[][]) => (w instanceof Matrix ? w.to1DArray() : w.flat()).map((v) => -v);
  const classes = json.classifiers.map((c) => toRow(c.weights));
  // Binary relevance: only the classifier of class 1 ("relevant") is needed.
  const weights = meta.task === 'rerank' ? [classes[1] ?? classes[0]!.map((v) => -v)] : classes;
  return artifactOf(set, meta, norm, { type: 'lr', model: { kind: 'sigmoid', weights } }, `ml-logistic-regression (${steps} steps)`);
}

/**
 * Trains an XGBoost head (binary:logistic for rerank, multi:softprob for classify).
 *
 * @example const artifact = await trainXgbHead(set, { name: 'xgb', task: 'rerank' }, { iterations: 200 });
 */
export async function trainXgbHead(
  set: TrainingSet,
  meta: { name: string; task: 'rerank' | 'classify'; labels?: string[]; encoders?: string[]; metrics?: Record<string, unknown> },
  options: XgbTrainOptions = {},
): Promise<HeadArtifact> {
  const { d, norm, x } = standardised(set);
  const objective = meta.task === 'rerank' ? 'binary:logistic' : 'multi:softprob';
  const { saved, predictor } = await trainXgb(x, set.n, d, set.labels, {
    objective,
    ...(meta.task === 'classify' ? { numClass: meta.labels?.length ?? 2 } : {}),
    ...options,
  });
  predictor.free();
  return artifactOf(set, meta, norm, { type: 'xgb', model: saved }, `ml-xgboost (${options.iterations ?? 200} rounds, depth ${options.maxDepth ?? 6})`);
}

/**
 * Wraps a trained model into a versioned head artifact (feature list, normalisation, data hash, trainer).
 *
 * @example artifactOf(set, { name: 'h', task: 'rerank' }, norm, { type: 'lr', model }, 'my trainer')
 */
export function artifactOf(
  set: TrainingSet,
  meta: { name: string; task: 'rerank' | 'classify'; labels?: string[]; encoders?: string[]; metrics?: Record<string, unknown> },
  normalisation: { mean: number[]; std: number[] },
  model: Pick<HeadArtifact, 'type' | 'model'>,
  trainer: string,
): HeadArtifact {
  const createdAt = new Date().toISOString();
  return {
    format: 'strata-head/1',
    name: meta.name,
    version: createdAt.replace(/[-:.TZ]/g, '').slice(0, 14),
    task: meta.task,
    features: [...set.names],
    ...(meta.encoders ? { encoders: meta.encoders } : {}),
    ...(meta.labels ? { labels: meta.labels } : {}),
    normalisation,
    metrics: meta.metrics ?? {},
    trainingDataHash: hashTrainingData(set),
    trainer,
    createdAt,
    ...model,
  } as HeadArtifact;
}
