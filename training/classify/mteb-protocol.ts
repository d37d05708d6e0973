/**
 * The MTEB classification protocol, so our figures line up with the published table: `experiments` times, draw
 * `perLabel` training examples per label (8 for Banking77: 616 rows), fit logistic regression on the raw
 * embeddings (scikit-learn's LogisticRegression: multinomial, L2 with C = 1, i.e. a per-example penalty of
 * 1 / (C n)), score accuracy on the whole test set, and report the mean.
 */
import { createRng } from '../eval/stats.ts';
import { argmaxRows } from '../eval/classify-metrics.ts';
import { linearPredict } from '../../service/heads/predict.ts';
import { fitSoftmax } from '../heads/softmax.ts';

export interface MtebProtocolOptions {
  experiments?: number;
  perLabel?: number;
  seed?: number;
  /** scikit-learn's C. */
  c?: number;
  epochs?: number;
  learningRate?: number;
  /** Mini-batch size (0: full batch). */
  batchSize?: number;
}

/**
 * Seeded undersampling: up to `perLabel` row indexes per label, in shuffled order.
 *
 * @example undersample(labels, 8, rand)
 */
export function undersample(labels: ArrayLike<number>, perLabel: number, rand: () => number): number[] {
  const idx = Array.from({ length: labels.length }, (_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const count = new Map<number, number>();
  return idx.filter((i) => {
    const c = count.get(labels[i]!) ?? 0;
    if (c >= perLabel) return false;
    count.set(labels[i]!, c + 1);
    return true;
  });
}

/**
 * Runs the protocol on row-major embeddings; returns per-experiment and mean accuracy.
 *
 * @example const { mean } = mtebClassification(x, y, xt, yt, dim, 77);
 */
export function mtebClassification(
  x: Float32Array,
  y: ArrayLike<number>,
  xt: Float32Array,
  yt: ArrayLike<number>,
  dim: number,
  classes: number,
  { experiments = 10, perLabel = 8, seed = 42, c = 1, epochs = 200, learningRate = 0.003, batchSize = 32 }: MtebProtocolOptions = {},
): { accuracies: number[]; mean: number; std: number; trainRows: number } {
  const rand = createRng(seed);
  const accuracies: number[] = [];
  let trainRows = 0;
  for (let e = 0; e < experiments; e++) {
    const pick = undersample(y, perLabel, rand);
    trainRows = pick.length;
    const xs = new Float32Array(pick.length * dim);
    pick.forEach((r, i) => xs.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
    const ys = Int32Array.from(pick, (r) => y[r]!);
    const w = fitSoftmax(xs, pick.length, dim, ys, classes, { epochs, batchSize: batchSize || pick.length, learningRate, l2: 1 / (c * pick.length), seed: seed + e });
    const probs = linearPredict({ kind: 'softmax', weights: w.map((r) => Array.from(r)) }, xt, yt.length);
    const predicted = argmaxRows(probs, yt.length, classes);
    let ok = 0;
    for (let i = 0; i < yt.length; i++) if (predicted[i] === yt[i]) ok++;
    accuracies.push(ok / yt.length);
  }
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const std = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / accuracies.length);
  return { accuracies, mean, std, trainRows };
}
