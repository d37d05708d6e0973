/**
 * Head prediction over a row-major feature matrix: features are standardised with the artifact's statistics,
 * then logistic regression (evaluated here from its weights) or XGBoost (`ml-xgboost`, WebAssembly) scores them.
 * Output: one probability per row (rerank) or per row and class (classify, row-major).
 */
import type { HeadArtifact } from './artifact.ts';
import { loadXgbModel, type XgbPredictor } from './xgb.ts';
import { createClassifyPredictor, type ClassifyOutput } from './classify-predict.ts';

export interface HeadPredictor {
  readonly artifact: HeadArtifact;
  /** Probabilities: `n` values for a rerank head, `n x labels.length` for a classify head. */
  predict(rows: Float32Array, n: number): Float32Array;
  /** Classify heads: calibrated probabilities plus the input space and logits the out-of-scope scores need. */
  classify?(rows: Float32Array, n: number): ClassifyOutput;
  dispose(): void;
}

/** Standardises a row-major matrix in place: (x - mean) / std (std 0 leaves the centred value). */
export function standardise(rows: Float32Array, n: number, mean: readonly number[], std: readonly number[]): Float32Array {
  const d = mean.length;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const s = std[j]! > 1e-12 ? std[j]! : 1;
      rows[r * d + j] = (rows[r * d + j]! - mean[j]!) / s;
    }
  }
  return rows;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Scores with a linear model: `sigmoid` rows give independent probabilities (one row: binary relevance;
 * several: one-vs-rest, normalised to sum to 1), `softmax` rows a distribution.
 *
 * @example linearPredict({ kind: 'sigmoid', weights: [[2, 0]] }, Float32Array.of(1), 1) // [0.88]
 */
export function linearPredict(model: { kind: 'sigmoid' | 'softmax'; weights: number[][] }, rows: Float32Array, n: number): Float32Array {
  const k = model.weights.length;
  const d = model.weights[0]!.length - 1;
  const out = new Float32Array(n * k);
  const z = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const w = model.weights[c]!;
      let s = w[d]!;
      for (let j = 0; j < d; j++) s += w[j]! * rows[r * d + j]!;
      z[c] = s;
    }
    if (model.kind === 'softmax') {
      const m = Math.max(...z);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += (z[c] = Math.exp(z[c]! - m));
      for (let c = 0; c < k; c++) out[r * k + c] = z[c]! / sum;
    } else if (k === 1) {
      out[r] = sigmoid(z[0]!);
    } else {
      let sum = 0;
      for (let c = 0; c < k; c++) sum += (z[c] = sigmoid(z[c]!));
      for (let c = 0; c < k; c++) out[r * k + c] = z[c]! / sum;
    }
  }
  return out;
}

/**
 * Builds a predictor for an artifact (XGBoost models are loaded into WebAssembly memory once).
 *
 * @example const head = await createPredictor(artifact); const p = head.predict(rows, 100);
 */
export async function createPredictor(artifact: HeadArtifact): Promise<HeadPredictor> {
  if (artifact.task === 'classify') return createClassifyPredictor(artifact);
  const { mean, std } = artifact.normalisation;
  if (artifact.type === 'lr') {
    const model = artifact.model;
    return {
      artifact,
      predict: (rows, n) => linearPredict(model, standardise(rows.slice(0, n * mean.length), n, mean, std), n),
      dispose: () => undefined,
    };
  }
  const xgb: XgbPredictor = await loadXgbModel(artifact.model);
  return {
    artifact,
    predict: (rows, n) => xgb.predict(standardise(rows.slice(0, n * mean.length), n, mean, std), n, mean.length),
    dispose: () => xgb.free(),
  };
}
