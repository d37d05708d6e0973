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
 * `text/minilm`'s graph when `STRATA_MINILM_VARIANT` is not set. fp32: the int8 graph is 2.6x faster but quantizes
 * activations with one scale per ONNX run, so a text's vector depends on the texts batched with it (cosine 0.99
 * alone vs in a batch), and by-id and inline scores of the same document would differ (README "MiniLM graphs").
 */
export const DEFAULT_MINILM_VARIANT: OnnxVariant = 'fp32';

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
