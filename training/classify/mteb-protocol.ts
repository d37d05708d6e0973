/**
 * The MTEB classification protocol, so our figures line up with the published table: `experiments` times, draw
 * `perLabel` training examples per label (8 for Banking77: 616 rows), fit logistic regression on the raw
 * embeddings (scikit-learn's LogisticRegression: multinomial, L2 with C = 1, i.e. a per-example penalty of
 * 1 / (C n)), score accuracy on the whole test set, and report the mean.
 *
 * `head: 'block-lr'` keeps the protocol (same draws, same training rows, same test set) and replaces only the head:
 * per-encoder blocks centred, L2-normalised and weighted, block weights and C chosen by cross-validation inside
 * each draw (`block-lr.ts`).
 */
import { createRng } from '../eval/stats.ts';
import { argmaxRows } from '../eval/classify-metrics.ts';
import { linearPredict } from '../../service/heads/predict.ts';
import { fitSoftmax } from '../heads/softmax.ts';
import { fitBlockLr, type BlockLrConfig, type BlockLrOptions } from './block-lr.ts';

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
  /** `lr`: the MTEB head on raw embeddings; `block-lr`: see the module comment (needs `blocks`). */
  head?: 'lr' | 'block-lr';
  /** Widths of the concatenated encoder blocks, in order (for `block-lr`). */
  blocks?: number[];
  blockLr?: BlockLrOptions;
  /** Called after each draw with its accuracy and wall seconds (long runs print it, so a stopped run is not lost). */
  onDraw?: (draw: number, accuracy: number, seconds: number) => void;
}

export interface MtebProtocolResult {
  accuracies: number[];
  mean: number;
  std: number;
  trainRows: number;
  /** Mean wall time of one draw (fit, selection and test scoring). */
  secondsPerDraw: number;
  /** `block-lr`: the configuration cross-validation chose in each draw. */
  chosen?: BlockLrConfig[];
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
  { experiments = 10, perLabel = 8, seed = 42, c = 1, epochs = 200, learningRate = 0.003, batchSize = 32, head = 'lr', blocks, blockLr = {}, onDraw }: MtebProtocolOptions = {},
): MtebProtocolResult {
  if (head === 'block-lr' && blocks?.reduce((a, b) => a + b, 0) !== dim) throw new Error(`block-lr: blocks [${blocks?.join(', ')}] do not add up to ${dim} features`);
  const rand = createRng(seed);
  const accuracies: number[] = [];
  const chosen: BlockLrConfig[] = [];
  let trainRows = 0;
  const t0 = performance.now();
  for (let e = 0; e < experiments; e++) {
    const tDraw = performance.now();
    // Drawn before the head is known, so both heads see the same training rows in every draw.
    const pick = undersample(y, perLabel, rand);
    trainRows = pick.length;
    const xs = new Float32Array(pick.length * dim);
    pick.forEach((r, i) => xs.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
    const ys = Int32Array.from(pick, (r) => y[r]!);
    let predicted: Int32Array;
    if (head === 'block-lr') {
      const model = fitBlockLr(xs, ys, pick.length, blocks!, classes, { seed: seed + e, ...blockLr });
      chosen.push(model.config);
      predicted = argmaxRows(Float32Array.from(model.logits(xt, yt.length)), yt.length, classes);
    } else {
      const w = fitSoftmax(xs, pick.length, dim, ys, classes, { epochs, batchSize: batchSize || pick.length, learningRate, l2: 1 / (c * pick.length), seed: seed + e });
      predicted = argmaxRows(linearPredict({ kind: 'softmax', weights: w.map((r) => Array.from(r)) }, xt, yt.length), yt.length, classes);
    }
    let ok = 0;
    for (let i = 0; i < yt.length; i++) if (predicted[i] === yt[i]) ok++;
    accuracies.push(ok / yt.length);
    onDraw?.(e + 1, ok / yt.length, (performance.now() - tDraw) / 1000);
  }
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const std = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / accuracies.length);
  const secondsPerDraw = (performance.now() - t0) / 1000 / experiments;
  return { accuracies, mean, std, trainRows, secondsPerDraw, ...(head === 'block-lr' ? { chosen } : {}) };
}
