/**
 * Fitting one classify head on embedded rows, as an artifact the service loads (calibration and the abstain rule
 * are added afterwards by `abstain-fit.ts`):
 * - `lr` with the `block-lr` recipe (the default): each encoder's block centred, L2-normalised and weighted, the
 *   block weights and C chosen by cross-validation, multinomial LR fitted by L-BFGS (`block-lr.ts`);
 * - `lr` with the `adam` recipe: the earlier mini-batch softmax regression on standardised features;
 * - `xgb`: the same centred, weighted blocks projected onto their leading principal axes (`reduce.ts`), then
 *   XGBoost multi:softprob; the projection is stored in the artifact and applied when serving.
 */
import type { HeadArtifact } from '../../service/heads/artifact.ts';
import { classifySpace, projectRows } from '../../service/heads/classify-predict.ts';
import { trainXgb } from '../../service/heads/xgb.ts';
import { trainSoftmaxHead, type SoftmaxOptions } from '../heads/softmax.ts';
import { artifactOf } from '../heads/train.ts';
import { columnMeans, fitBlockLr, type BlockLrConfig, type BlockLrModel, type BlockLrOptions } from './block-lr.ts';
import { principalAxes } from './reduce.ts';

/** Embedded, labelled rows: `n x names.length`, labels are indexes into the head's label list. */
export interface ClassifyData {
  rows: Float32Array;
  n: number;
  names: readonly string[];
  y: Int32Array;
}

export interface HeadMeta {
  name: string;
  labels: string[];
  encoders: string[];
  /** Width of each encoder's block, in `encoders` order. */
  dims: number[];
}

/** ml-xgboost's fixed WebAssembly heap holds about this many input values (40k x 31 trains; 65k x 31 overflows). */
export const XGB_MAX_VALUES = 1_300_000;

export interface XgbHeadOptions {
  iterations?: number;
  maxDepth?: number;
  eta?: number;
  /** Principal components fed to the trees (capped so rows x dims stays under `XGB_MAX_VALUES`). */
  dims?: number;
}

const ones = (d: number) => new Array<number>(d).fill(1);

/**
 * Block-weighted LR head; `fixed` skips the selection (used to refit the same recipe on part of the data).
 *
 * @example const { artifact, model } = fitBlockLrHead(data, meta, { search: 'coordinate', selectionRows: 3000 });
 */
export function fitBlockLrHead(data: ClassifyData, meta: HeadMeta, options: BlockLrOptions = {}, fixed?: BlockLrConfig): { artifact: HeadArtifact; model: BlockLrModel } {
  const k = meta.labels.length;
  const model = fitBlockLr(data.rows, data.y, data.n, meta.dims, k, fixed ? { ...options, weightGrid: [fixed.weights], search: 'grid', cs: [fixed.c] } : options);
  const d = data.names.length;
  const weights = Array.from({ length: k }, (_, c) => Array.from(model.w.subarray(c * (d + 1), (c + 1) * (d + 1))));
  const set = { rows: data.rows, n: data.n, names: data.names, labels: data.y };
  const how = fixed ? 'given' : `chosen by ${options.folds ?? 3}-fold cross-validation on ${model.selectionRows} rows`;
  const artifact = artifactOf(
    set,
    { name: meta.name, task: 'classify', labels: meta.labels, encoders: meta.encoders },
    { mean: Array.from(model.mean), std: ones(d) },
    { type: 'lr', model: { kind: 'softmax', weights } },
    `strata block-weighted LR (L-BFGS; block weights [${model.config.weights.join(', ')}] and C = ${model.config.c} ${how})`,
  );
  artifact.blocks = meta.encoders.map((encoder, i) => ({ encoder, dim: meta.dims[i]!, weight: model.config.weights[i]! }));
  return { artifact, model };
}

/**
 * The earlier recipe: mini-batch Adam softmax regression on standardised features.
 *
 * @example const artifact = fitAdamHead(data, meta, { epochs: 30, learningRate: 0.001 });
 */
export function fitAdamHead(data: ClassifyData, meta: HeadMeta, options: SoftmaxOptions = {}): HeadArtifact {
  return trainSoftmaxHead({ rows: data.rows, n: data.n, names: data.names, labels: data.y }, { name: meta.name, task: 'classify', labels: meta.labels, encoders: meta.encoders }, options);
}

/**
 * XGBoost on the leading principal axes of the centred, weighted blocks (`weights`: the LR head's, or all 1).
 *
 * @example const { artifact } = await fitXgbHead(data, meta, { dims: 64, iterations: 100 }, [1, 0.5, 0.5]);
 */
export async function fitXgbHead(
  data: ClassifyData,
  meta: HeadMeta,
  { iterations = 100, maxDepth = 4, eta = 0.3, dims = 64 }: XgbHeadOptions = {},
  weights: readonly number[] = ones(meta.dims.length),
): Promise<{ artifact: HeadArtifact; dims: number; explained: number }> {
  const d = data.names.length;
  const mean = Array.from(columnMeans(data.rows, data.n, d));
  const blocks = meta.encoders.map((encoder, i) => ({ encoder, dim: meta.dims[i]!, weight: weights[i]! }));
  const space = classifySpace({ normalisation: { mean, std: ones(d) }, blocks }, data.rows, data.n);
  const p = Math.max(1, Math.min(dims, d, Math.floor(XGB_MAX_VALUES / data.n)));
  const axes = principalAxes(space, data.n, d, p);
  const inputs = projectRows(space, data.n, d, axes.components);
  const { saved, predictor } = await trainXgb(inputs, data.n, p, data.y, { objective: 'multi:softprob', numClass: meta.labels.length, iterations, maxDepth, eta });
  predictor.free();
  const artifact = artifactOf(
    { rows: data.rows, n: data.n, names: data.names, labels: data.y },
    { name: meta.name, task: 'classify', labels: meta.labels, encoders: meta.encoders },
    { mean, std: ones(d) },
    { type: 'xgb', model: saved },
    `ml-xgboost multi:softprob (${iterations} rounds, depth ${maxDepth}, eta ${eta}) on ${p} principal components (${(axes.explained * 100).toFixed(1)} % of the variance) of the weighted blocks [${weights.join(', ')}]`,
  );
  artifact.blocks = blocks;
  artifact.projection = { kind: 'pca', components: axes.components };
  return { artifact, dims: p, explained: axes.explained };
}
