/**
 * Prepares the MobileNetV2 image feature model once: the ONNX Model Zoo `mobilenetv2-12-int8` classifier (from
 * `config.models.imageModel`) is copied into `<modelsDir>/mobilenetv2-12-int8-features/model.onnx` with its last
 * feature map (graph value `627`, float [N,1280,7,7]) added as a graph output. `meta.json` records the source's
 * sha256, so a changed source is re-prepared and an unchanged one is left alone.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { strataError } from '../errors.ts';
import { addGraphOutputs } from './onnx-outputs.ts';

export const MOBILENET = {
  name: 'mobilenetv2-12-int8-features',
  source: 'ONNX Model Zoo mobilenetv2-12-int8 (ImageNet classifier)',
  input: 'input',
  /** The dequantised output of the last 1x1 convolution, before global pooling. */
  featureOutput: '627',
  logitsOutput: 'output',
  size: 224,
  dim: 1280,
  labels: 'imagenet_classes.txt',
} as const;

export interface PrepareMobileNetOptions {
  log?: (message: string) => void;
}

export interface PreparedMobileNet {
  dir: string;
  file: string;
  /** The ImageNet class names, when the source folder had them. */
  labels: string | undefined;
  skipped: boolean;
}

interface Meta {
  source: string;
  sourceSha256: string;
  outputs: string[];
  created: string;
}

/** Where the prepared model lives. */
export function mobileNetDir(modelsDir: string): string {
  return path.join(modelsDir, MOBILENET.name);
}

/**
 * Makes sure the feature model exists and matches its source; returns where it is. `sourceModel` is the `.onnx`
 * file or the folder holding exactly one. Without a source file an already prepared model is used as it is.
 *
 * @example const { file } = await prepareMobileNet({ modelsDir: config.modelsDir, sourceModel: config.models.imageModel });
 */
export async function prepareMobileNet(
  paths: { modelsDir: string; sourceModel?: string | undefined },
  options: PrepareMobileNetOptions = {},
): Promise<PreparedMobileNet> {
  const { log = () => {} } = options;
  const dir = mobileNetDir(paths.modelsDir);
  const file = path.join(dir, 'model.onnx');
  const labelsFile = path.join(dir, MOBILENET.labels);
  const labels = (await isFile(labelsFile)) ? labelsFile : undefined;
  const source = paths.sourceModel ? await findOnnx(paths.sourceModel) : undefined;
  if (!source) {
    if (await isFile(file)) return { dir, file, labels, skipped: true };
    throw strataError('model_missing', {
      dir,
      missing: 'model.onnx',
      hint: `Prepare it from the MobileNetV2 ONNX file (STRATA_IMAGE_MODEL${paths.sourceModel ? ` = ${paths.sourceModel} does not exist` : ''}): \`npx tsx training/models/prepare-mobilenet.ts\`.`,
    });
  }

  const bytes = await readFile(source);
  const sourceSha256 = createHash('sha256').update(bytes).digest('hex');
  const meta = await readMeta(path.join(dir, 'meta.json'));
  if (meta?.sourceSha256 === sourceSha256 && meta.outputs.includes(MOBILENET.featureOutput) && (await isFile(file))) {
    return { dir, file, labels, skipped: true };
  }

  log(`adding output ${MOBILENET.featureOutput} to ${source} -> ${file}`);
  const modified = addGraphOutputs(bytes, [MOBILENET.featureOutput], source);
  await mkdir(dir, { recursive: true });
  // Write-then-rename: a worker preparing concurrently, or one loading the file, never sees half a model.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, modified);
  await rename(tmp, file);
  const sourceLabels = path.join(path.dirname(source), MOBILENET.labels);
  // Copied by content: the source may be read-only and its mode must not stop a later re-prepare.
  if (await isFile(sourceLabels)) await writeFile(labelsFile, await readFile(sourceLabels));
  const next: Meta = { source, sourceSha256, outputs: [MOBILENET.logitsOutput, MOBILENET.featureOutput], created: new Date().toISOString() };
  const metaTmp = `${tmp}.meta`;
  await writeFile(metaTmp, `${JSON.stringify(next, null, 2)}\n`);
  await rename(metaTmp, path.join(dir, 'meta.json'));
  return { dir, file, labels: (await isFile(labelsFile)) ? labelsFile : undefined, skipped: false };
}

/** The `.onnx` file a path names: the file itself, or the only `.onnx` in a folder; undefined when absent. */
async function findOnnx(source: string): Promise<string | undefined> {
  const info = await stat(source).catch(() => undefined);
  if (!info) return undefined;
  if (info.isFile()) return source;
  const names = (await readdir(source)).filter((n) => n.endsWith('.onnx'));
  if (names.length !== 1) {
    throw strataError('model_error', { file: source, reason: `expected exactly one .onnx file in the folder, found ${names.length ? names.join(', ') : 'none'}` });
  }
  return path.join(source, names[0]!);
}

async function readMeta(file: string): Promise<Meta | undefined> {
  try {
    const meta = JSON.parse(await readFile(file, 'utf8')) as Partial<Meta>;
    return typeof meta.sourceSha256 === 'string' && Array.isArray(meta.outputs) ? (meta as Meta) : undefined;
  } catch {
    // Missing or unreadable metadata only means "prepare again".
    return undefined;
  }
}

const isFile = (file: string) => stat(file).then((s) => s.isFile(), () => false);

