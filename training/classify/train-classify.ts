/**
 * `strata train classify` as a use case: labelled texts (and images) -> concatenated embeddings of the chosen
 * encoders through the pool -> LR (softmax regression) and XGBoost (multi:softprob) heads -> test accuracy ->
 * artifacts `<outDir>/<name>-<type>.json` the service's `/v1/classify` loads.
 */
import { stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { HeadArtifact } from '../../service/heads/artifact.ts';
import { createPredictor } from '../../service/heads/predict.ts';
import { encoderSpec } from '../../service/encoders/registry.ts';
import type { EncoderPool } from '../../service/pool/pool.ts';
import type { LabelledText } from '../data/labelled.ts';
import { argmaxRows, classificationReport, type ClassificationReport } from '../eval/classify-metrics.ts';
import { trainSoftmaxHead, type SoftmaxOptions } from '../heads/softmax.ts';
import { trainXgbHead } from '../heads/train.ts';
import { embedConcat, type Embedded } from './embed.ts';

export interface ClassifyTrainOptions {
  pool: EncoderPool;
  train: readonly LabelledText[];
  test: readonly LabelledText[];
  encoders: readonly string[];
  types?: ReadonlyArray<'lr' | 'xgb'>;
  name: string;
  outDir?: string;
  /** Image input of a row for image encoders (a path or URL). */
  imageOf?: (row: LabelledText) => string;
  softmax?: SoftmaxOptions;
  xgb?: { iterations?: number; maxDepth?: number; eta?: number };
  cacheDir?: string;
  log?: (message: string) => void;
  onProgress?: (what: string, done: number, total: number) => void;
}

/** The largest matrix (rows x features) handed to ml-xgboost (40k x 31 trains; 65k x 31 overflows its heap). */
export const XGB_MAX_VALUES = 1_300_000;

export interface ClassifyHeadResult {
  head: string;
  type: 'lr' | 'xgb';
  encoders: string[];
  dims: number;
  trainSeconds: number;
  artifactBytes: number;
  file: string | null;
  test: ClassificationReport;
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
 * Trains the requested head types and scores them on the test rows.
 *
 * @example const results = await trainClassifyHeads({ pool, train, test, encoders: ['text/minilm'], name: 'banking77' });
 */
export async function trainClassifyHeads(options: ClassifyTrainOptions): Promise<ClassifyHeadResult[]> {
  const { pool, train, test, encoders, types = ['lr'], name, outDir, log = () => undefined } = options;
  const { labels, index } = labelIndex(train, test);
  const trainLabels = labels.filter((l) => train.some((r) => r.label === l));
  const x = await embedLabelled(pool, train, encoders, options);
  const xt = await embedLabelled(pool, test, encoders, options);
  for (const e of [...x.errors, ...xt.errors].slice(0, 5)) log(`warning: ${e.encoder} could not encode item ${e.index}: ${e.message}`);
  const y = Int32Array.from(train, (r) => index.get(r.label)!);
  const yt = Int32Array.from(test, (r) => index.get(r.label)!);
  const set = { rows: x.rows, n: x.n, names: x.names, labels: y };
  const meta = { name: '', task: 'classify' as const, labels: trainLabels, encoders: [...encoders] };
  const results: ClassifyHeadResult[] = [];
  for (const type of types) {
    const head = `${name}-${type}`;
    // ml-xgboost runs in a fixed-size WebAssembly heap: ~65k x 31 values already overflow it ("memory access out
    // of bounds"), so larger matrices are refused up front with the reason instead of crashing mid-run.
    if (type === 'xgb' && x.n * x.names.length > XGB_MAX_VALUES) {
      log(`${head}: skipped, ${x.n} x ${x.names.length} values exceed what ml-xgboost's WebAssembly heap holds (~${XGB_MAX_VALUES / 1e6}M)`);
      continue;
    }
    log(`training ${head} on ${x.n} rows x ${x.names.length} features, ${trainLabels.length} classes`);
    const t0 = performance.now();
    const artifact: HeadArtifact =
      type === 'lr'
        ? trainSoftmaxHead(set, { ...meta, name: head }, { ...options.softmax, onEpoch: (e, loss) => options.onProgress?.(`${head} epoch (loss ${loss.toFixed(3)})`, e, options.softmax?.epochs ?? 30) })
        : await trainXgbHead(set, { ...meta, name: head }, { iterations: 100, maxDepth: 4, eta: 0.3, ...options.xgb });
    const trainSeconds = (performance.now() - t0) / 1000;
    const predictor = await createPredictor(artifact);
    const probs = predictor.predict(xt.rows, xt.n);
    predictor.dispose();
    const predicted = argmaxRows(probs, xt.n, trainLabels.length);
    const report = classificationReport(yt, predicted, labels);
    artifact.metrics = { testAccuracy: report.accuracy, testMacroF1: report.macroF1, testRows: xt.n, trainRows: x.n, trainSeconds };
    const json = JSON.stringify(artifact);
    let file: string | null = null;
    if (outDir) {
      await mkdir(outDir, { recursive: true });
      file = path.join(outDir, `${head}.json`);
      await writeFile(file, json);
    }
    const artifactBytes = file ? (await stat(file)).size : Buffer.byteLength(json);
    log(`${head}: test accuracy ${(report.accuracy * 100).toFixed(2)} %, macro-F1 ${(report.macroF1 * 100).toFixed(2)} %, ${trainSeconds.toFixed(1)} s`);
    results.push({ head, type, encoders: [...encoders], dims: x.names.length, trainSeconds, artifactBytes, file, test: report });
  }
  return results;
}
