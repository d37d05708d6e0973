/**
 * The one module that talks to `ml-xgboost` (XGBoost compiled to WebAssembly): training, saving and loading
 * models, and batch prediction. The WASM module loads once per thread.
 */
import { createRequire } from 'node:module';
import { strataError } from '../errors.ts';

interface XgbInstance {
  train(x: number[][], y: number[]): void;
  predict(x: number[][]): Array<number | number[]>;
  toJSON(): { name: 'ml-xgboost'; model: number[]; options: Record<string, unknown> };
  free(): void;
}
interface XgbClass {
  new (options: Record<string, unknown>): XgbInstance;
  load(model: unknown): XgbInstance;
}

let xgbModule: Promise<XgbClass> | undefined;

/** Loads the WebAssembly module once; its start-up prints a harmless streaming-compile warning on Node. */
function xgboost(): Promise<XgbClass> {
  if (!xgbModule) {
    const require = createRequire(import.meta.url);
    xgbModule = (require('ml-xgboost') as Promise<XgbClass>).catch((err: unknown) => {
      xgbModule = undefined;
      throw err;
    });
  }
  return xgbModule;
}

export interface XgbPredictor {
  /** Row-major input of `n x d`; one output per row (binary) or `n x classes` (multi-class softprob). */
  predict(rows: Float32Array, n: number, d: number): Float32Array;
  free(): void;
}

function toRows(rows: Float32Array, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, r) => Array.from(rows.subarray(r * d, (r + 1) * d)));
}

function wrap(model: XgbInstance): XgbPredictor {
  return {
    predict(rows, n, d) {
      if (n === 0) return new Float32Array(0);
      const preds = model.predict(toRows(rows, n, d));
      return Float32Array.from(preds.flatMap((p) => (Array.isArray(p) ? p : [p])));
    },
    free: () => model.free(),
  };
}

/**
 * Loads a saved model (the JSON `toJSON()` produced).
 *
 * @example const m = await loadXgbModel(artifact.model); m.predict(rows, 100, 30);
 */
export async function loadXgbModel(saved: unknown): Promise<XgbPredictor> {
  const XGBoost = await xgboost();
  try {
    return wrap(XGBoost.load(saved));
  } catch (err) {
    throw strataError('model_error', { file: 'xgboost model', reason: (err as Error).message });
  }
}

export interface XgbTrainOptions {
  objective?: 'binary:logistic' | 'multi:softprob' | 'reg:squarederror';
  maxDepth?: number;
  eta?: number;
  iterations?: number;
  subsample?: number;
  colsampleBytree?: number;
  minChildWeight?: number;
  numClass?: number;
  seed?: number;
}

/**
 * Trains a model on a row-major matrix; returns its saved form and a predictor.
 *
 * @example const { saved } = await trainXgb(rows, n, d, labels, { objective: 'binary:logistic' });
 */
export async function trainXgb(
  rows: Float32Array,
  n: number,
  d: number,
  labels: ArrayLike<number>,
  { objective = 'binary:logistic', maxDepth = 6, eta = 0.1, iterations = 200, subsample = 0.8, colsampleBytree = 1, minChildWeight = 1, numClass, seed = 1 }: XgbTrainOptions = {},
): Promise<{ saved: ReturnType<XgbInstance['toJSON']>; predictor: XgbPredictor }> {
  const XGBoost = await xgboost();
  const model = new XGBoost({
    booster: 'gbtree',
    objective,
    max_depth: maxDepth,
    eta,
    iterations,
    subsample,
    colsample_bytree: colsampleBytree,
    min_child_weight: minChildWeight,
    seed,
    silent: 1,
    ...(numClass ? { num_class: numClass } : {}),
  });
  model.train(toRows(rows, n, d), Array.from(labels));
  return { saved: model.toJSON(), predictor: wrap(model) };
}
