/**
 * Keeps converted graphs in step with the converter: a folder converted by an older converter (its manifest's
 * `conversion.converter` is below `CONVERTER_VERSION`, or absent) is converted again before use, so users who
 * upgrade get the faster graph without deleting their cache. Folders whose manifest records no conversion
 * (ONNX files placed by hand) are left alone.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { readManifest, type Manifest } from '../manifest.ts';
import { withLock } from '../lock.ts';
import { onnxFile, type OnnxVariant } from '../paths.ts';
import type { GraphOptimization } from '../onnx.ts';
import { CONVERTER_VERSION, convertModel } from './convert.ts';

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Whether the manifest's conversion is the current converter's and lists every wanted variant.
 *
 * @example isConversionCurrent(await readManifest(dir), ['fp32', 'int8'])
 */
export function isConversionCurrent(manifest: Manifest | undefined, variants: readonly OnnxVariant[]): boolean {
  const c = manifest?.conversion;
  if (!c) return false;
  const done = Array.isArray(c.variants) ? (c.variants as string[]) : [];
  return Number(c.converter ?? 1) >= CONVERTER_VERSION && variants.every((v) => done.includes(v));
}

/**
 * Converts `dir` again (under its lock) when its graphs were written by an older converter; returns true when it
 * converted. Missing graphs are converted only with `convertMissing` (callers that prepare models set it).
 *
 * @example await ensureCurrentConversion(dir, ['fp32', 'int8'], { convertMissing: true, log: console.log });
 */
export async function ensureCurrentConversion(
  dir: string,
  variants: readonly OnnxVariant[],
  { convertMissing = false, log = () => {} }: { convertMissing?: boolean; log?: (m: string) => void } = {},
): Promise<boolean> {
  const stale = async () => {
    const manifest = await readManifest(dir);
    const present = await Promise.all(variants.map((v) => exists(onnxFile(dir, v))));
    if (!present.every(Boolean)) return convertMissing;
    // Converted by us before versions were recorded (or by an older version): convert again.
    return manifest?.conversion !== undefined && !isConversionCurrent(manifest, variants);
  };
  if (!(await stale())) return false;
  if (!(await exists(path.join(dir, 'model.safetensors')))) return false;
  return withLock(`${dir}.lock`, log, async () => {
    if (!(await stale())) return false;
    const manifest = await readManifest(dir);
    const int8 = variants.includes('int8') || (Array.isArray(manifest?.conversion?.variants) && (manifest.conversion.variants as string[]).includes('int8'));
    const pooling = manifest?.conversion?.pooling === 'cls' || manifest?.conversion?.pooling === 'mean' ? manifest.conversion.pooling : undefined;
    log(`converting ${dir} with converter version ${CONVERTER_VERSION}`);
    await convertModel(dir, { int8, ...(pooling ? { pooling } : {}), log });
    return true;
  });
}

/**
 * The onnxruntime optimisation level a converted folder's graphs want. Graphs this converter wrote in the fused form
 * already hold every fusion onnxruntime would make, and its extended level would fold their `Add` +
 * `LayerNormalization` back into the contrib `SkipLayerNormalization`, whose CPU kernel is ~5x slower (see
 * `denseAddNorm`); they run at `basic`. Anything else (plain-form graphs, ONNX files placed by hand) at `all`.
 *
 * @example await loadSession(file, { optimization: graphOptimization(await readManifest(dir)) });
 */
export function graphOptimization(manifest: Manifest | undefined): GraphOptimization {
  const c = manifest?.conversion;
  return c && c.form === 'fused' && Number(c.converter ?? 1) >= 3 ? 'basic' : 'all';
}
