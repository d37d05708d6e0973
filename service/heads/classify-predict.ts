/**
 * The forward pass of classify heads, shared by training (scoring held-out rows) and serving:
 * concatenated embeddings -> normalisation (centring; standardising for older heads) -> per-encoder blocks scaled
 * to unit length times their weight -> the head's input space; then logits (LR: linear scores; XGBoost: log of
 * its probabilities, after an optional PCA projection) and calibrated probabilities, softmax(logits / T).
 */
import type { HeadArtifact } from './artifact.ts';
import type { Block } from './classify-fields.ts';
import { linearPredict, standardise, type HeadPredictor } from './predict.ts';
import { loadXgbModel } from './xgb.ts';

export interface ClassifyOutput {
  k: number;
  /** The head's input space (`n x features`): normalised, block-weighted rows; centroids live here. */
  space: Float32Array;
  /** Uncalibrated logits (`n x k`). */
  logits: Float32Array;
  /** Calibrated probabilities (`n x k`): softmax(logits / temperature). */
  probs: Float32Array;
}

/**
 * Scales each block of every row (in place) to unit length times its weight; an all-zero block stays zero.
 *
 * @example weightBlocks(Float32Array.of(3, 4, 2), 1, [{ dim: 2, weight: 1 }, { dim: 1, weight: 0.5 }]) // [0.6, 0.8, 0.5]
 */
export function weightBlocks(rows: Float32Array, n: number, blocks: ReadonlyArray<Pick<Block, 'dim' | 'weight'>>): Float32Array {
  const d = blocks.reduce((s, b) => s + b.dim, 0);
  for (let r = 0; r < n; r++) {
    for (let b = 0, start = r * d; b < blocks.length; start += blocks[b]!.dim, b++) {
      const end = start + blocks[b]!.dim;
      let ss = 0;
      for (let j = start; j < end; j++) ss += rows[j]! * rows[j]!;
      const f = ss > 0 ? blocks[b]!.weight / Math.sqrt(ss) : 0;
      for (let j = start; j < end; j++) rows[j]! *= f;
    }
  }
  return rows;
}

/**
 * The head's input space for raw concatenated rows (a copy; `rows` is left as it is).
 *
 * @example const z = classifySpace(artifact, rows, n);
 */
export function classifySpace(artifact: Pick<HeadArtifact, 'normalisation' | 'blocks'>, rows: Float32Array, n: number): Float32Array {
  const { mean, std } = artifact.normalisation;
  const z = standardise(rows.slice(0, n * mean.length), n, mean, std);
  return artifact.blocks ? weightBlocks(z, n, artifact.blocks) : z;
}

/**
 * Projects row-major `x` (`n x d`) onto `components` (one row of `d` per output).
 *
 * @example projectRows(x, n, d, pca.components) // n x components.length
 */
export function projectRows(x: Float32Array, n: number, d: number, components: readonly (readonly number[])[]): Float32Array {
  const p = components.length;
  const out = new Float32Array(n * p);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < p; c++) {
      const axis = components[c]!;
      let t = 0;
      for (let j = 0; j < d; j++) t += axis[j]! * x[r * d + j]!;
      out[r * p + c] = t;
    }
  }
  return out;
}

function softmaxRows(logits: Float32Array, n: number, k: number, temperature: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[r * k + c]! / temperature);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[r * k + c] = Math.exp(logits[r * k + c]! / temperature - max);
    for (let c = 0; c < k; c++) out[r * k + c]! /= sum;
  }
  return out;
}

function linearLogits(weights: number[][], z: Float32Array, n: number): Float32Array {
  const k = weights.length;
  const d = weights[0]!.length - 1;
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const w = weights[c]!;
      let s = w[d]!;
      for (let j = 0; j < d; j++) s += w[j]! * z[r * d + j]!;
      out[r * k + c] = s;
    }
  }
  return out;
}

const logOf = (p: Float32Array) => p.map((v) => Math.log(Math.max(v, 1e-12)));

/**
 * A predictor for a classify head: `predict` gives calibrated probabilities, `classify` also the input space and
 * the logits the out-of-scope scores need.
 *
 * @example const head = await createClassifyPredictor(artifact); const { probs } = head.classify!(rows, n);
 */
export async function createClassifyPredictor(artifact: HeadArtifact): Promise<HeadPredictor> {
  const k = artifact.labels?.length ?? 0;
  const d = artifact.features.length;
  const temperature = artifact.calibration?.temperature ?? 1;
  let logitsOf: (z: Float32Array, n: number) => Float32Array;
  let dispose = () => undefined as void;
  if (artifact.type === 'lr') {
    const model = artifact.model;
    // One-vs-rest sigmoid heads (ml-logistic-regression) have no softmax logits: the log of their normalised
    // probabilities stands in (softmax of it gives those probabilities back).
    logitsOf = model.kind === 'softmax' ? (z, n) => linearLogits(model.weights, z, n) : (z, n) => logOf(linearPredict(model, z, n));
  } else {
    const xgb = await loadXgbModel(artifact.model);
    const components = artifact.projection?.components;
    logitsOf = (z, n) => logOf(components ? xgb.predict(projectRows(z, n, d, components), n, components.length) : xgb.predict(z, n, d));
    dispose = () => xgb.free();
  }
  const classify = (rows: Float32Array, n: number): ClassifyOutput => {
    const space = classifySpace(artifact, rows, n);
    const logits = logitsOf(space, n);
    return { k, space, logits, probs: softmaxRows(logits, n, k, temperature) };
  };
  return { artifact, predict: (rows, n) => classify(rows, n).probs, classify, dispose };
}
