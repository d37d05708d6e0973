/**
 * Multinomial logistic (softmax) regression on Float32Arrays: mini-batch Adam with L2, written plainly for speed.
 * `ml-logistic-regression` is batch gradient descent over ml-matrix, one-vs-rest: on Banking77 (10k x 384..1k
 * features x 77 classes) it needs hours (see `training/bench/lr-speed.ts`); this trains the same model in seconds
 * and writes the same artifact shape (`model: { kind: 'softmax', weights: [classes][d + 1] }`, bias last).
 */
import type { HeadArtifact } from '../../service/heads/artifact.ts';
import { standardise } from '../../service/heads/predict.ts';
import { createRng } from '../eval/stats.ts';
import { dotRows, transpose } from '../classify/matmul.ts';
import { artifactOf, normalisationOf, type TrainingSet } from './train.ts';

export interface SoftmaxOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** L2 penalty on the weights (not the bias), per example. */
  l2?: number;
  seed?: number;
  /** Standardise features first (default); off fits on raw values (e.g. unit-length embeddings, as MTEB does). */
  standardise?: boolean;
  /** Called after every epoch with the mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/**
 * Fits softmax weights on an already standardised row-major matrix; returns `k` rows of `d + 1` (bias last).
 *
 * @example const w = fitSoftmax(x, n, d, labels, 3, { epochs: 20 });
 */
export function fitSoftmax(
  x: Float32Array,
  n: number,
  d: number,
  labels: ArrayLike<number>,
  k: number,
  { epochs = 30, batchSize = 64, learningRate = 0.01, l2 = 1e-4, seed = 1, onEpoch }: SoftmaxOptions = {},
): Float32Array[] {
  const stride = d + 1;
  const w = new Float32Array(k * stride);
  // A float64 copy of the weights feeds the blocked products (`matmul.ts`): a batch's logits and its gradient
  // are each one product, ~4x faster per multiply than one dot product at a time.
  const w64 = new Float64Array(k * stride);
  const m = new Float32Array(k * stride);
  const v = new Float32Array(k * stride);
  const grad = new Float32Array(k * stride);
  const xb = new Float32Array(batchSize * d);
  const xbt = new Float32Array(batchSize * d);
  const residual = new Float64Array(k * batchSize);
  const logitBuf = new Float64Array(batchSize * k);
  const gradBuf = new Float64Array(d * k);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rand = createRng(seed);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    let loss = 0;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const size = end - start;
      for (let b = 0; b < size; b++) xb.set(x.subarray(order[start + b]! * d, (order[start + b]! + 1) * d), b * d);
      const s = dotRows(xb, size, d, w64, k, stride, logitBuf);
      for (let b = 0; b < size; b++) {
        let max = -Infinity;
        for (let c = 0; c < k; c++) max = Math.max(max, s[b * k + c]!);
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(s[b * k + c]! - max);
        const y = labels[order[start + b]!]!;
        loss -= Math.log(Math.max(1e-12, Math.exp(s[b * k + y]! - max) / sum));
        // Class-major residuals (k x size), each divided by the batch size: the gradient's mean.
        for (let c = 0; c < k; c++) residual[c * size + b] = (Math.exp(s[b * k + c]! - max) / sum - (c === y ? 1 : 0)) / size;
      }
      const gt = dotRows(transpose(xb, size, d, xbt), d, size, residual, k, size, gradBuf);
      for (let c = 0; c < k; c++) {
        let bias = 0;
        for (let b = 0; b < size; b++) bias += residual[c * size + b]!;
        grad[c * stride + d] = bias;
        for (let j = 0; j < d; j++) grad[c * stride + j] = gt[j * k + c]!;
      }
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      for (let i = 0; i < w.length; i++) {
        const isBias = i % stride === d;
        const g = grad[i]! + (isBias ? 0 : l2 * w[i]!);
        m[i] = beta1 * m[i]! + (1 - beta1) * g;
        v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
        w[i]! -= (learningRate * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
        w64[i] = w[i]!;
      }
    }
    onEpoch?.(epoch + 1, loss / n);
  }
  return Array.from({ length: k }, (_, c) => w.slice(c * stride, (c + 1) * stride));
}

/**
 * Trains a softmax classify head (or, with two classes and `task: 'rerank'`, a binary sigmoid head whose weights
 * are the difference of the two softmax rows) and returns the artifact.
 *
 * @example const artifact = trainSoftmaxHead(set, { name: 'banking77-lr', task: 'classify', labels, encoders });
 */
export function trainSoftmaxHead(
  set: TrainingSet,
  meta: { name: string; task: 'rerank' | 'classify'; labels?: string[]; encoders?: string[]; metrics?: Record<string, unknown> },
  options: SoftmaxOptions = {},
): HeadArtifact {
  const d = set.names.length;
  const norm = options.standardise === false ? { mean: new Array<number>(d).fill(0), std: new Array<number>(d).fill(1) } : normalisationOf(set.rows, set.n, d);
  const x = options.standardise === false ? set.rows : standardise(set.rows.slice(0, set.n * d), set.n, norm.mean, norm.std);
  const k = meta.task === 'rerank' ? 2 : (meta.labels?.length ?? 1 + Math.max(...Array.from(set.labels as ArrayLike<number>)));
  const rows = fitSoftmax(x, set.n, d, set.labels, k, options).map((r) => Array.from(r));
  const model =
    meta.task === 'rerank'
      ? { kind: 'sigmoid' as const, weights: [rows[1]!.map((v, j) => v - rows[0]![j]!)] }
      : { kind: 'softmax' as const, weights: rows };
  const { epochs = 30, batchSize = 64, learningRate = 0.01, l2 = 1e-4 } = options;
  return artifactOf(set, meta, norm, { type: 'lr', model }, `strata softmax regression (Adam, ${epochs} epochs, batch ${batchSize}, lr ${learningRate}, l2 ${l2})`);
}
