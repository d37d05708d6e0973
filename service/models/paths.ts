/**
 * Where model files live: `<modelsDir>/<name>/` (a hub id such as `sentence-transformers/all-MiniLM-L6-v2` keeps
 * its slash), converted graphs under `onnx/`. Names are checked so no name can point outside `modelsDir`.
 */
import path from 'node:path';
import { strataError } from '../errors.ts';

export const ONNX_DIR = 'onnx';
export const ONNX_FILES = { fp32: 'model.onnx', int8: 'model_int8.onnx' } as const;
export type OnnxVariant = keyof typeof ONNX_FILES;

/**
 * `text/minilm`'s graph when `STRATA_MINILM_VARIANT` is not set: int8, 2.6x fp32's items/s. Its activation scales are
 * calibrated constants (converter 4), so a text's vector depends on the text alone and by-id and inline scores
 * agree; against fp32, SciFact kNN nDCG@10 +0.002 [-0.004, +0.008] and Banking77 -0.39 points [-0.53, -0.25]
 * (README "MiniLM graphs"). `fp32` is the accuracy option.
 */
export const DEFAULT_MINILM_VARIANT: OnnxVariant = 'int8';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Validates a model name (`owner/name` or `name`) and returns it.
 *
 * @example checkModelName('BAAI/bge-small-en-v1.5')
 */
export function checkModelName(name: string): string {
  const segments = name.split('/');
  if (segments.length > 2 || !segments.every((s) => SEGMENT.test(s) && !s.includes('..'))) {
    throw strataError('validation', { summary: `invalid model name "${name}" (expected "owner/name" or "name": letters, digits, ".", "_", "-")` });
  }
  return name;
}

/**
 * The folder of a model.
 *
 * @example modelDir(config.modelsDir, 'sentence-transformers/all-MiniLM-L6-v2')
 */
export function modelDir(modelsDir: string, name: string): string {
  return path.join(modelsDir, ...checkModelName(name).split('/'));
}

/** The converted ONNX file of a model folder for a variant. */
export function onnxFile(dir: string, variant: OnnxVariant = 'fp32'): string {
  return path.join(dir, ONNX_DIR, ONNX_FILES[variant]);
}
