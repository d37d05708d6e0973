/**
 * Converts a Hugging Face BERT or MPNet folder (`config.json` + `model.safetensors`) into ONNX files under `onnx/`:
 * `model.onnx` (float32) and, on request, `model_int8.onnx` (int8 weights; in the fused form, activation scales
 * calibrated at conversion). No Python, no torch.
 */
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { strataError } from '../../errors.ts';
import { describeFiles, readManifest, writeManifest } from '../manifest.ts';
import { ONNX_DIR, ONNX_FILES, type OnnxVariant } from '../paths.ts';
import { parseBertConfig } from './bert-config.ts';
import { buildBertGraph, OPSET } from './bert-graph.ts';
import { architectureOf, checkpointWeights, type HeadKind } from './checkpoint.ts';
import type { Graph } from './graph.ts';
import type { GraphForm } from './linear.ts';
import { parseMpnetConfig } from './mpnet-config.ts';
import { buildMpnetGraph } from './mpnet-graph.ts';
import type { SafetensorsFile } from './safetensors.ts';
import { encodeModel } from './onnx-proto.ts';
import { calibrateRanges, calibrationInputs } from './calibrate.ts';
import { addRangeProbes, applyStaticScales, dynamicallyQuantizedInputs } from './static-quant.ts';
import { readSafetensors } from './safetensors.ts';

/**
 * The converter's output version, written into each graph and the folder's manifest. Bump it whenever the emitted
 * graph changes, so folders converted by an older converter are converted again (`isConversionCurrent`).
 * 1: standard ONNX ops, uint8 weights. 2: onnxruntime contrib kernels (fused), int8 weights (MPNet joined here:
 * no MPNet graph was written by version 1, so its graphs need no new version). 3: residual + LayerNorm as `Add` +
 * `LayerNormalization` instead of the slower contrib `SkipLayerNormalization`. 4: the fused int8 graph's activation
 * scales are calibrated constants (`static-quant.ts`), so a text's int8 vector no longer depends on its batch.
 */
export const CONVERTER_VERSION = 4;

export interface ConvertOptions {
  /** Also write the int8 variant. */
  int8?: boolean;
  /** Pooling of `sentence_embedding`; default from `1_Pooling/config.json` (CLS when it says so), else mean. */
  pooling?: 'mean' | 'cls';
  /** `fused` (default): onnxruntime's contrib kernels; `plain`: standard ONNX ops only (reference, benchmarks). */
  form?: GraphForm;
  /** Where the files go (default `<dir>/onnx`); another folder leaves the model's own conversion untouched. */
  outDir?: string;
  log?: (message: string) => void;
}

export interface ConvertResult {
  architecture: string;
  head: HeadKind;
  pooling: 'mean' | 'cls';
  hidden: number;
  layers: number;
  files: Partial<Record<OnnxVariant, string>>;
}

/**
 * Converts `dir` in place (writes `dir/onnx/model.onnx`, and `model_int8.onnx` with `int8`), recording the
 * outputs' sha256 in `dir/manifest.json`.
 *
 * @example const { files } = await convertModel('/cache/models/sentence-transformers/all-MiniLM-L6-v2', { int8: true });
 */
export async function convertModel(dir: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const { int8 = false, form = 'fused', log = () => {} } = options;
  const configFile = path.join(dir, 'config.json');
  const weightsFile = path.join(dir, 'model.safetensors');
  const missing: string[] = [];
  for (const f of [configFile, weightsFile]) if (!(await exists(f))) missing.push(path.basename(f));
  if (missing.length) throw strataError('model_missing', { dir, missing: missing.join(', '), hint: 'Pull or import the model first (`strata models pull|import`).' });

  let rawConfig: unknown;
  try {
    rawConfig = JSON.parse(await readFile(configFile, 'utf8'));
  } catch (err) {
    throw strataError('model_error', { file: configFile, reason: `not valid JSON (${(err as Error).message})` });
  }
  const arch = architectureOf(rawConfig, configFile);
  const pooling = options.pooling ?? (await poolingOf(dir));
  const model = planModel(arch.family, rawConfig, configFile, await readSafetensors(weightsFile));
  const cfg = model.cfg;

  const outDir = options.outDir ?? path.join(dir, ONNX_DIR);
  await mkdir(outDir, { recursive: true });
  const variants: OnnxVariant[] = int8 ? ['fp32', 'int8'] : ['fp32'];
  const files: ConvertResult['files'] = {};
  let calibration: string | undefined;
  for (const variant of variants) {
    const started = Date.now();
    const build = () => model.build({ pooling, quantize: variant === 'int8', form });
    const calibrated =
      variant === 'int8' && form === 'fused'
        ? await withStaticScales(build, dir, { pairs: cfg.head === 'classifier', vocabSize: cfg.vocab_size, maxPositions: cfg.max_position_embeddings })
        : undefined;
    if (calibrated) {
      calibration = calibrated.source;
      log(`int8 activation ranges calibrated on ${calibration}`);
    }
    const graph = calibrated?.graph ?? build();
    const bytes = encodeModel(
      graph.toModel({
        opset: OPSET,
        producer: 'strata',
        version: String(CONVERTER_VERSION),
        doc: `${cfg.architecture} converted from ${path.basename(dir)} by strata (${variant})`,
        metadata: { architecture: cfg.architecture, head: cfg.head, pooling, variant, form, hidden_size: String(cfg.hidden_size), ...(variant === 'int8' && calibration ? { activation_scales: `static, calibrated on ${calibration}` } : {}) },
      }),
    );
    const file = path.join(outDir, ONNX_FILES[variant]);
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    files[variant] = file;
    log(`wrote ${file} (${(bytes.byteLength / 1e6).toFixed(1)} MB, ${Date.now() - started} ms)`);
  }

  if (!options.outDir) {
    const manifest = (await readManifest(dir)) ?? { name: path.basename(dir), source: { type: 'local', path: dir }, createdAt: new Date().toISOString(), files: {} };
    const rel = Object.values(files).map((f) => path.relative(dir, f));
    manifest.files = { ...manifest.files, ...(await describeFiles(dir, rel)) };
    manifest.conversion = { architecture: cfg.architecture, head: cfg.head, pooling, opset: OPSET, variants, form, converter: CONVERTER_VERSION, ...(calibration ? { int8Calibration: calibration } : {}), convertedAt: new Date().toISOString() };
    await writeManifest(dir, manifest);
  }
  return { architecture: cfg.architecture, head: cfg.head, pooling, hidden: cfg.hidden_size, layers: cfg.num_hidden_layers, files };
}

/**
 * The int8 graph with calibrated activation scales: a probed copy runs the calibration inputs, then a fresh build
 * gets the measured ranges as constants.
 */
async function withStaticScales(build: () => Graph, dir: string, options: Parameters<typeof calibrationInputs>[1]): Promise<{ graph: Graph; source: string }> {
  const probed = build();
  const tensors = dynamicallyQuantizedInputs(probed);
  addRangeProbes(probed, tensors);
  const inputs = await calibrationInputs(dir, options);
  const ranges = await calibrateRanges(encodeModel(probed.toModel({ opset: OPSET, producer: 'strata', version: String(CONVERTER_VERSION) })), tensors, inputs.batches);
  const graph = build();
  applyStaticScales(graph, ranges);
  return { graph, source: inputs.source };
}

interface ModelPlan {
  cfg: { architecture: string; head: HeadKind; hidden_size: number; num_hidden_layers: number; vocab_size: number; max_position_embeddings: number };
  build(options: { pooling: 'mean' | 'cls'; quantize: boolean; form: GraphForm }): Graph;
}

/** The validated config and graph builder of an architecture family. */
function planModel(family: 'bert' | 'mpnet', raw: unknown, configFile: string, st: SafetensorsFile): ModelPlan {
  if (family === 'mpnet') {
    const cfg = parseMpnetConfig(raw, configFile);
    const weights = checkpointWeights(st, 'mpnet.');
    return { cfg, build: (o) => buildMpnetGraph(weights, cfg, o) };
  }
  const cfg = parseBertConfig(raw, configFile);
  const weights = checkpointWeights(st, 'bert.');
  return { cfg, build: (o) => buildBertGraph(weights, cfg, o) };
}

async function poolingOf(dir: string): Promise<'mean' | 'cls'> {
  try {
    const cfg = JSON.parse(await readFile(path.join(dir, '1_Pooling', 'config.json'), 'utf8')) as Record<string, unknown>;
    return cfg.pooling_mode_cls_token === true && cfg.pooling_mode_mean_tokens !== true ? 'cls' : 'mean';
  } catch {
    return 'mean';
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
