/**
 * `image/mobilenet`: 1280-d image embeddings from MobileNetV2 (ONNX Model Zoo, int8): the last feature map
 * (graph value `627`, [N,1280,7,7]) mean-pooled over 7x7 and L2-normalised. Inputs are paths, URLs or bytes;
 * one that cannot be read or decoded gets a zero row and an error naming it, and the rest of the batch encodes.
 */
import { readFile } from 'node:fs/promises';
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';
import {
  decodeImage,
  describeImageInput,
  IMAGENET_MEAN,
  IMAGENET_STD,
  readImageBytes,
  writeNormalizedChw,
  type DecodeImageOptions,
  type ImageInput,
} from '../models/image.ts';
import { loadSession, releaseSessions, type OnnxSession } from '../models/onnx.ts';
import { MOBILENET, prepareMobileNet } from '../models/prepare-mobilenet.ts';
import { strataError } from '../errors.ts';

export const MOBILENET_SPEC: EncoderSpec = {
  id: 'image/mobilenet',
  modality: 'image',
  dim: MOBILENET.dim,
  version: '1',
  weights: `${MOBILENET.source}, graph value ${MOBILENET.featureOutput} exposed as an output by strata (../shared/models or STRATA_IMAGE_MODEL)`,
  preprocessing:
    'EXIF orientation, transparency flattened on white, resized to 224x224 (contain: whole picture, white padding), sRGB, /255, ImageNet mean/std; 7x7 mean pool of the 1280-channel last feature map; L2',
  options: { fit: 'contain' },
};

export interface MobileNetOptions {
  /** Where prepared models live (`config.modelsDir`). */
  modelsDir: string;
  /** The source MobileNetV2 `.onnx` (`config.models.imageModel`); when given, the feature model is prepared on demand. */
  sourceModel?: string | undefined;
  intraOpThreads?: number;
  /** Images per ONNX run. */
  batchSize?: number;
  fit?: DecodeImageOptions['fit'];
  fetchTimeoutMs?: number;
  /** Largest accepted encoded image (file, download or bytes). */
  maxBytes?: number;
}

export interface ImageClass {
  index: number;
  label: string;
  probability: number;
}

export interface MobileNetEncoder extends Encoder<ImageInput> {
  /** The ImageNet classifier's top classes per input (`undefined` for inputs that failed, listed in `errors`). */
  classify(inputs: readonly ImageInput[], topK?: number): Promise<{ classes: Array<ImageClass[] | undefined>; errors: EncodedBatch['errors'] }>;
}

const PIXELS = MOBILENET.size * MOBILENET.size;

/**
 * Builds the encoder (preparing the feature model first when `sourceModel` is given).
 *
 * @example const enc = await createMobileNetEncoder({ modelsDir: config.modelsDir, sourceModel: config.models.imageModel });
 *          const batch = await enc.encode(['/data/images/1163.jpg', 'https://example.com/shoe.jpg']); // batch.dim === 1280
 */
export async function createMobileNetEncoder(options: MobileNetOptions): Promise<MobileNetEncoder> {
  const { modelsDir, sourceModel, intraOpThreads = 1, batchSize = 16, fit = 'contain', fetchTimeoutMs = 10_000, maxBytes = 20 * 1024 * 1024 } = options;
  const prepared = await prepareMobileNet({ modelsDir, sourceModel });
  const session = await loadSession(prepared.file, { intraOpThreads });
  for (const name of [MOBILENET.featureOutput, MOBILENET.logitsOutput]) {
    if (!session.outputNames.includes(name)) {
      throw strataError('model_error', { file: prepared.file, reason: `no "${name}" output (outputs: ${session.outputNames.join(', ')})` });
    }
  }
  const labels = prepared.labels ? (await readFile(prepared.labels, 'utf8')).split('\n').map((l) => l.trim()) : [];
  const spec: EncoderSpec = { ...MOBILENET_SPEC, options: { fit } };

  /** Decodes a slice of inputs and runs the ones that decoded; calls `onRow(index, outputs, k)` for each. */
  const runChunks = async (inputs: readonly ImageInput[], outputs: string[], onRow: (index: number, out: FloatOutputs, k: number) => void) => {
    const errors: EncodedBatch['errors'] = [];
    for (let start = 0; start < inputs.length; start += batchSize) {
      const chunk = inputs.slice(start, start + batchSize);
      const decoded = await Promise.allSettled(
        chunk.map(async (input) => decodeImage(await readImageBytes(input, { fetchTimeoutMs, maxBytes }), { size: MOBILENET.size, fit, source: describeImageInput(input) })),
      );
      const ok: Array<{ index: number; rgb: Uint8Array }> = [];
      decoded.forEach((r, k) => {
        if (r.status === 'fulfilled') ok.push({ index: start + k, rgb: r.value });
        else errors.push({ index: start + k, message: r.reason instanceof Error ? r.reason.message : String(r.reason) });
      });
      if (ok.length === 0) continue;
      const pixels = new Float32Array(ok.length * 3 * PIXELS);
      ok.forEach(({ rgb }, k) => writeNormalizedChw(rgb, pixels, k * 3 * PIXELS, IMAGENET_MEAN, IMAGENET_STD));
      const out = await run(session, pixels, ok.length, outputs);
      ok.forEach(({ index }, k) => onRow(index, out, k));
    }
    return errors.sort((a, b) => a.index - b.index);
  };

  return {
    spec,
    async encode(inputs) {
      const dim = MOBILENET.dim;
      const vectors = new Float32Array(inputs.length * dim);
      const errors = await runChunks(inputs, [MOBILENET.featureOutput], (index, out, k) => {
        const { data, dims } = out[MOBILENET.featureOutput]!;
        if (dims[1] !== dim) throw strataError('model_error', { file: prepared.file, reason: `${MOBILENET.featureOutput} has ${dims[1]} channels, expected ${dim}` });
        poolAndNormalise(data, dims, k, vectors.subarray(index * dim, (index + 1) * dim));
      });
      return { dim, count: inputs.length, vectors, errors };
    },
    async classify(inputs, topK = 5) {
      const classes: Array<ImageClass[] | undefined> = new Array(inputs.length).fill(undefined);
      const errors = await runChunks(inputs, [MOBILENET.logitsOutput], (index, out, k) => {
        const { data, dims } = out[MOBILENET.logitsOutput]!;
        const width = dims[1] ?? 0;
        classes[index] = topClasses(data.subarray(k * width, (k + 1) * width), labels, topK);
      });
      return { classes, errors };
    },
    dispose: () => releaseSessions(prepared.file),
  };
}

type FloatOutputs = Record<string, { data: Float32Array; dims: readonly number[] }>;

async function run(session: OnnxSession, pixels: Float32Array, n: number, outputs: string[]): Promise<FloatOutputs> {
  const result = await session.run({ [MOBILENET.input]: { data: pixels, dims: [n, 3, MOBILENET.size, MOBILENET.size] } }, outputs);
  const out: FloatOutputs = {};
  for (const name of outputs) {
    const t = result[name];
    if (!(t?.data instanceof Float32Array)) throw strataError('model_error', { file: session.file, reason: `output ${name} is missing or not float32` });
    out[name] = { data: t.data, dims: t.dims };
  }
  return out;
}

/**
 * Averages row `k` of a [N, C, H, W] feature map over its H x W cells and L2-normalises it into `into` (length C).
 *
 * @example poolAndNormalise(map, [2, 1280, 7, 7], 1, row); // row: the unit 1280-d embedding of image 1
 */
export function poolAndNormalise(map: Float32Array, dims: readonly number[], k: number, into: Float32Array): void {
  const channels = dims[1]!;
  const cells = (dims[2] ?? 1) * (dims[3] ?? 1);
  const base = k * channels * cells;
  let norm = 0;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    const at = base + c * cells;
    for (let j = 0; j < cells; j++) sum += map[at + j]!;
    into[c] = sum / cells;
    norm += (sum / cells) ** 2;
  }
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let c = 0; c < channels; c++) into[c] = into[c]! * inv;
  }
}

function topClasses(logits: Float32Array, labels: readonly string[], topK: number): ImageClass[] {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return [...logits.keys()]
    .sort((a, b) => logits[b]! - logits[a]!)
    .slice(0, topK)
    .map((index) => ({ index, label: labels[index] ?? String(index), probability: Math.exp(logits[index]! - max) / sum }));
}
