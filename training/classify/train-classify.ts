/**
 * `strata train classify` as a use case: labelled texts (and images) -> concatenated embeddings of the chosen
 * encoders through the pool (cached on disk) -> a stratified calibration split held out -> heads fitted on the
 * rest (block-weighted LR by default, XGBoost on principal components) -> temperature, class centroids and an
 * abstain rule fitted on the held-out rows -> test scores -> artifacts `<outDir>/<name>-<type>.json` the
 * service's `/v1/classify` loads. Every stage's wall and CPU time is recorded: on a shared machine the gap
 * between them is time spent waiting for a core, not work.
 */
import { stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { HeadArtifact } from '../../service/heads/artifact.ts';
import type { OosScore } from '../../service/heads/classify-fields.ts';
import { createPredictor } from '../../service/heads/predict.ts';
import { encoderSpec } from '../../service/encoders/registry.ts';
import type { EncoderPool } from '../../service/pool/pool.ts';
import type { LabelledText } from '../data/labelled.ts';
import type { ClassificationReport } from '../eval/classify-metrics.ts';
import type { OosTarget } from '../eval/oos-metrics.ts';
import { createRng } from '../eval/stats.ts';
import type { SoftmaxOptions } from '../heads/softmax.ts';
import { fitAbstain, type AbstainReport } from './abstain-fit.ts';
import { blockAblation, takeRows, type BlockLrConfig, type BlockLrOptions } from './block-lr.ts';
import type { CalibrationResult } from './calibrate.ts';
import { embedConcat, type Embedded } from './embed.ts';
import { evaluateClassify, truthOf, type ClassifyEvaluation } from './evaluate.ts';
import { fitAdamHead, fitBlockLrHead, fitXgbHead, type ClassifyData, type HeadMeta, type XgbHeadOptions } from './fit-head.ts';

export { XGB_MAX_VALUES } from './fit-head.ts';

export interface ClassifyTrainOptions {
  pool: EncoderPool;
  train: readonly LabelledText[];
  /** Rows whose label the heads do not know count as out of scope. */
  test: readonly LabelledText[];
  /** Labelled out-of-scope examples (their labels are ignored) for choosing the threshold. */
  oos?: readonly LabelledText[];
  encoders: readonly string[];
  /** Image input of a row for image encoders (a path or URL). */
  imageOf?: (row: LabelledText) => string;
  cacheDir?: string;
  onProgress?: (what: string, done: number, total: number) => void;
}

export interface ClassifyRecipe {
  types?: ReadonlyArray<'lr' | 'xgb'>;
  name: string;
  outDir?: string;
  /** LR recipe: `block-lr` (default) or the earlier `adam` softmax regression. */
  recipe?: 'block-lr' | 'adam';
  blockLr?: BlockLrOptions;
  softmax?: SoftmaxOptions;
  xgb?: XgbHeadOptions;
  /** Share of the training rows held out (stratified) for calibration and the abstain rule. */
  calibrationFraction?: number;
  oosTarget?: OosTarget;
  /** Further targets whose thresholds are reported beside the stored one. */
  alsoTargets?: OosTarget[];
  oosScore?: OosScore | 'auto';
  /** Held-out-classes draws when no out-of-scope examples are given. */
  proxyDraws?: number;
  /** Refit without each block to report its contribution (block-lr, several encoders). */
  ablation?: boolean;
  seed?: number;
  /** Bootstrap samples for the test intervals. */
  samples?: number;
  log?: (message: string) => void;
}

export interface StageTime {
  wall: number;
  cpu: number;
}

export interface ClassifyHeadResult {
  head: string;
  type: 'lr' | 'xgb';
  recipe: string;
  encoders: string[];
  dims: number;
  trainRows: number;
  calibrationRows: number;
  /** Wall seconds of the head's fit (selection and final fit), as before; `stages` has the rest. */
  trainSeconds: number;
  stages: Record<string, StageTime>;
  artifactBytes: number;
  file: string | null;
  /** Closed-set scores on the in-scope test rows. */
  test: ClassificationReport;
  evaluation: ClassifyEvaluation | null;
  calibration: CalibrationResult | null;
  abstain: AbstainReport | null;
  /** block-lr: the weight chosen per block, and the accuracy without it (test, else calibration rows). */
  blocks?: Array<{ encoder: string; dim: number; weight: number; accuracyWithout: number | null }>;
  selection?: { config: BlockLrConfig; tried: Array<BlockLrConfig & { cvAccuracy: number }>; selectionRows: number };
  /** XGBoost: principal components used and the variance they hold. */
  reduction?: { dims: number; explained: number };
  artifact: HeadArtifact;
}

/**
 * Embeds the labelled rows with every encoder (cached), concatenated in the given order.
 *
 * @example const x = await embedLabelled(pool, rows, ['text/minilm'], {});
 */
export async function embedLabelled(
  pool: EncoderPool,
  rows: readonly LabelledText[],
  encoders: readonly string[],
  { imageOf, cacheDir, onProgress }: Pick<ClassifyTrainOptions, 'imageOf' | 'cacheDir' | 'onProgress'>,
): Promise<Embedded> {
  const texts = rows.map((r) => r.text);
  const inputsFor = (e: string) => {
    if (encoderSpec(e).modality !== 'image') return texts;
    if (!imageOf) throw new Error(`encoder ${e} takes images: give an image column/template`);
    return rows.map(imageOf);
  };
  return embedConcat(pool, encoders, inputsFor, {
    ...(cacheDir ? { cacheDir } : {}),
    ...(onProgress ? { onProgress: (e, done, total) => onProgress(`embedding ${e}`, done, total) } : {}),
  });
}

/** Labels in sorted order (train first; test-only labels are appended so they can be scored as misses). */
export function labelIndex(train: readonly LabelledText[], test: readonly LabelledText[]): { labels: string[]; index: Map<string, number> } {
  const labels = [...new Set(train.map((r) => r.label))].sort();
  for (const l of [...new Set(test.map((r) => r.label))].sort()) if (!labels.includes(l)) labels.push(l);
  return { labels, index: new Map(labels.map((l, i) => [l, i])) };
}

/**
 * Row indexes held out per label: `floor(count * fraction)` of each label's rows (so a label with few rows keeps
 * them all for fitting), chosen at random.
 *
 * @example stratifiedHoldOut([0, 0, 0, 0, 1, 1, 1, 1], 0.25, createRng(1)) // one row of each label
 */
export function stratifiedHoldOut(y: ArrayLike<number>, fraction: number, rand: () => number): { fit: number[]; held: number[] } {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) byLabel.set(y[i]!, [...(byLabel.get(y[i]!) ?? []), i]);
  const held = new Set<number>();
  for (const rows of byLabel.values()) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    rows.slice(0, Math.floor(rows.length * fraction)).forEach((r) => held.add(r));
  }
  const all = Array.from({ length: y.length }, (_, i) => i);
  return { fit: all.filter((i) => !held.has(i)), held: all.filter((i) => held.has(i)) };
}

/**
 * Runs `fn` and adds its wall and CPU seconds to `stages[name]`.
 *
 * @example const model = await timed(stages, 'fit', () => fit());
 */
export async function timed<T>(stages: Record<string, StageTime>, name: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  try {
    return await fn();
  } finally {
    const cpu = process.cpuUsage(c0);
    const s = (stages[name] ??= { wall: 0, cpu: 0 });
    s.wall += (performance.now() - t0) / 1000;
    s.cpu += (cpu.user + cpu.system) / 1e6;
  }
}

export interface EmbeddedSets {
  encoders: readonly string[];
  x: Embedded;
  /** Training labels (strings). */
  y: readonly string[];
  test?: { x: Embedded; y: readonly string[] };
  oos?: Embedded;
}

/**
 * Trains the requested heads from already embedded rows (what `train classify` runs after embedding; the
 * benchmark scripts call it directly with cached matrices).
 *
 * @example const results = await trainClassifyOnRows({ encoders, x, y, test }, { name: 'banking77' });
 */
export async function trainClassifyOnRows(sets: EmbeddedSets, recipe: ClassifyRecipe): Promise<ClassifyHeadResult[]> {
  const { types = ['lr'], name, outDir, recipe: lrRecipe = 'block-lr', calibrationFraction = 0.15, seed = 13, ablation = true, samples = 1000, log = () => undefined } = recipe;
  const encoders = [...sets.encoders];
  const labels = [...new Set(sets.y)].sort();
  const y = truthOf(sets.y, labels);
  const d = sets.x.names.length;
  const meta = (head: string, lbls = labels): HeadMeta => ({ name: head, labels: lbls, encoders, dims: encoders.map((e) => encoderSpec(e).dim) });
  if (meta(name).dims.reduce((a, b) => a + b, 0) !== d) throw new Error(`encoders ${encoders.join(', ')} give ${meta(name).dims.join(' + ')} dims, the rows have ${d}`);
  const split = calibrationFraction > 0 ? stratifiedHoldOut(y, calibrationFraction, createRng(seed)) : { fit: Array.from({ length: sets.x.n }, (_, i) => i), held: [] };
  const part = (rows: number[]): ClassifyData => ({ rows: takeRows(sets.x.rows, d, rows), n: rows.length, names: sets.x.names, y: Int32Array.from(rows, (i) => y[i]!) });
  const fit = part(split.fit);
  const held = part(split.held);
  const testTruth = sets.test ? truthOf(sets.test.y, labels) : null;
  const results: ClassifyHeadResult[] = [];
  let lrWeights: number[] | undefined;
  for (const type of types) {
    const head = `${name}-${type}`;
    const stages: Record<string, StageTime> = {};
    log(`training ${head} on ${fit.n} rows x ${d} features, ${labels.length} classes (${held.n} held out for calibration)`);
    let artifact: HeadArtifact;
    let selection: ClassifyHeadResult['selection'];
    let reduction: ClassifyHeadResult['reduction'];
    let refit: ((data: ClassifyData, lbls: string[]) => Promise<HeadArtifact>) | undefined;
    let blockModel: ReturnType<typeof fitBlockLrHead>['model'] | undefined;
    const blockOptions: BlockLrOptions = { search: 'coordinate', selectionRows: 3000, warmStart: true, maxIter: 60, seed, ...recipe.blockLr, onFit: (what) => log(`${head}: fitting ${what}`) };
    if (type === 'lr' && lrRecipe === 'block-lr') {
      const fitted = await timed(stages, 'fit', () => fitBlockLrHead(fit, meta(head), blockOptions));
      artifact = fitted.artifact;
      blockModel = fitted.model;
      lrWeights = fitted.model.config.weights;
      selection = { config: fitted.model.config, tried: fitted.model.tried, selectionRows: fitted.model.selectionRows };
      const config = fitted.model.config;
      refit = async (data, lbls) => fitBlockLrHead(data, meta(head, lbls), { ...blockOptions, onFit: () => undefined }, config).artifact;
    } else if (type === 'lr') {
      const options = { ...recipe.softmax, onEpoch: (e: number, loss: number) => log(`${head}: epoch ${e} (loss ${loss.toFixed(3)})`) };
      artifact = await timed(stages, 'fit', () => fitAdamHead(fit, meta(head), options));
      refit = async (data, lbls) => fitAdamHead(data, meta(head, lbls), recipe.softmax);
    } else {
      const weights = lrWeights ?? encoders.map(() => 1);
      const fitted = await timed(stages, 'fit', () => fitXgbHead(fit, meta(head), recipe.xgb, weights));
      artifact = fitted.artifact;
      reduction = { dims: fitted.dims, explained: fitted.explained };
      refit = async (data, lbls) => (await fitXgbHead(data, meta(head, lbls), recipe.xgb, weights)).artifact;
    }
    const trainSeconds = stages.fit!.wall;
    let abstain: AbstainReport | null = null;
    if (held.n > 0) {
      const target = recipe.oosTarget ?? { metric: 'precision', value: 0.9 };
      // Every held-out-class draw refits the head: one draw for XGBoost, whose fit costs far more than LR's.
      const draws = type === 'xgb' ? Math.min(1, recipe.proxyDraws ?? 3) : (recipe.proxyDraws ?? 3);
      const options = { target, score: recipe.oosScore ?? 'auto', proxyDraws: draws, seed, alsoTargets: recipe.alsoTargets ?? [], log: (m: string) => log(m) };
      const fitted = await timed(stages, 'calibration + abstain rule', () => fitAbstain(artifact, fit, held, labels, options, refit, sets.oos));
      artifact = fitted.artifact;
      abstain = fitted.report;
    }
    let evaluation: ClassifyEvaluation | null = null;
    if (sets.test && testTruth) {
      const predictor = await createPredictor(artifact);
      evaluation = await timed(stages, 'test', () => evaluateClassify(predictor, sets.test!.x.rows, sets.test!.x.n, testTruth, { samples, seed }));
      predictor.dispose();
    }
    // The centroids were kept for the evaluation's comparison of scores; a head that does not use them stores none.
    if (artifact.abstain && artifact.abstain.score !== 'centroid') {
      const { centroids: _c, ...rule } = artifact.abstain;
      artifact = { ...artifact, abstain: rule };
    }
    let blocks: ClassifyHeadResult['blocks'];
    if (blockModel && artifact.blocks) {
      const evalSet = sets.test && testTruth ? inScopeOf(sets.test.x, testTruth) : { x: held.rows, y: held.y };
      const without = ablation && encoders.length > 1 && evalSet.y.length > 0 ? await timed(stages, 'block ablation', () => blockAblation(blockModel, fit.rows, fit.y, fit.n, meta(head).dims, labels.length, [evalSet], { onFit: (w) => log(`${head}: refitting ${w}`) })) : [];
      blocks = artifact.blocks.map((b, i) => ({ ...b, accuracyWithout: without[i]?.accuracy[0] ?? null }));
    }
    artifact.metrics = {
      trainRows: fit.n,
      calibrationRows: held.n,
      trainSeconds,
      ...(evaluation ? { testAccuracy: evaluation.closed.accuracy, testMacroF1: evaluation.closed.macroF1, testRows: evaluation.rows, testEce: evaluation.ece.calibrated } : {}),
      ...(evaluation?.oos ? { testAuroc: evaluation.oos.summary.auroc.value, testOosRecall: evaluation.oos.summary.oosRecall.value, testInScopeAccuracy: evaluation.oos.summary.inScopeAccuracy.value } : {}),
    };
    const json = JSON.stringify(artifact);
    let file: string | null = null;
    if (outDir) {
      await mkdir(outDir, { recursive: true });
      file = path.join(outDir, `${head}.json`);
      await writeFile(file, json);
    }
    const artifactBytes = file ? (await stat(file)).size : Buffer.byteLength(json);
    const test = evaluation?.closed ?? { n: 0, accuracy: NaN, macroF1: NaN, perClass: [], confused: [] };
    if (evaluation) log(`${head}: test accuracy ${(test.accuracy * 100).toFixed(2)} %, macro-F1 ${(test.macroF1 * 100).toFixed(2)} %, ECE ${(evaluation.ece.uncalibrated * 100).toFixed(2)} % -> ${(evaluation.ece.calibrated * 100).toFixed(2)} % after temperature scaling`);
    results.push({
      head,
      type,
      recipe: type === 'lr' ? lrRecipe : 'xgb-pca',
      encoders,
      dims: d,
      trainRows: fit.n,
      calibrationRows: held.n,
      trainSeconds,
      stages,
      artifactBytes,
      file,
      test,
      evaluation,
      calibration: abstain?.calibration ?? null,
      abstain,
      ...(blocks ? { blocks } : {}),
      ...(selection ? { selection } : {}),
      ...(reduction ? { reduction } : {}),
      artifact,
    });
  }
  return results;
}

function inScopeOf(x: Embedded, truth: Int32Array): { x: Float32Array; y: Int32Array } {
  const rows = Array.from({ length: x.n }, (_, i) => i).filter((i) => truth[i]! >= 0);
  return { x: takeRows(x.rows, x.names.length, rows), y: Int32Array.from(rows, (i) => truth[i]!) };
}

/**
 * Embeds the rows (cached), then trains the requested head types and scores them on the test rows.
 *
 * @example const results = await trainClassifyHeads({ pool, train, test, encoders: ['text/minilm'] }, { name: 'banking77' });
 */
export async function trainClassifyHeads(options: ClassifyTrainOptions, recipe: ClassifyRecipe): Promise<ClassifyHeadResult[]> {
  const { pool, train, test, oos, encoders } = options;
  const log = recipe.log ?? (() => undefined);
  const x = await embedLabelled(pool, train, encoders, options);
  const xt = test.length ? await embedLabelled(pool, test, encoders, options) : null;
  const xo = oos?.length ? await embedLabelled(pool, oos, encoders, options) : null;
  for (const e of [...x.errors, ...(xt?.errors ?? []), ...(xo?.errors ?? [])].slice(0, 5)) log(`warning: ${e.encoder} could not encode item ${e.index}: ${e.message}`);
  return trainClassifyOnRows(
    { encoders, x, y: train.map((r) => r.label), ...(xt ? { test: { x: xt, y: test.map((r) => r.label) } } : {}), ...(xo ? { oos: xo } : {}) },
    recipe,
  );
}
