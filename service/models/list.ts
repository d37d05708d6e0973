/**
 * What is in the models directory: every folder (one or two levels deep, `name` or `owner/name`) holding a
 * `config.json`, with its source, its converted ONNX variants and their sizes.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readManifest } from './manifest.ts';
import { ONNX_FILES, onnxFile, type OnnxVariant } from './paths.ts';

export interface ModelEntry {
  name: string;
  dir: string;
  /** `hub`, `archive`, `folder` or `local` (from the manifest), or `unknown`. */
  source: string;
  architecture: string | undefined;
  /** Converted variants and their file sizes in bytes. */
  onnx: Partial<Record<OnnxVariant, number>>;
}

const isModel = (dir: string) =>
  stat(path.join(dir, 'config.json')).then(
    (s) => s.isFile(),
    () => false,
  );

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  // Skip work folders of an import or prepare in progress.
  return entries.filter((e) => e.isDirectory() && !/\.(lock|import-\d+)$/.test(e.name)).map((e) => e.name);
}

async function describe(modelsDir: string, name: string): Promise<ModelEntry> {
  const dir = path.join(modelsDir, ...name.split('/'));
  const manifest = await readManifest(dir);
  const onnx: ModelEntry['onnx'] = {};
  for (const variant of Object.keys(ONNX_FILES) as OnnxVariant[]) {
    const size = (await stat(onnxFile(dir, variant)).catch(() => undefined))?.size;
    if (size !== undefined) onnx[variant] = size;
  }
  const architecture = manifest?.conversion?.architecture;
  return { name, dir, source: String(manifest?.source.type ?? 'unknown'), architecture: typeof architecture === 'string' ? architecture : undefined, onnx };
}

/**
 * Lists the models under `modelsDir`, sorted by name.
 *
 * @example (await listModels(config.modelsDir)).map((m) => m.name) // ['sentence-transformers/all-MiniLM-L6-v2']
 */
export async function listModels(modelsDir: string): Promise<ModelEntry[]> {
  const names: string[] = [];
  for (const first of await subdirs(modelsDir)) {
    if (await isModel(path.join(modelsDir, first))) {
      names.push(first);
      continue;
    }
    for (const second of await subdirs(path.join(modelsDir, first))) {
      if (await isModel(path.join(modelsDir, first, second))) names.push(`${first}/${second}`);
    }
  }
  return Promise.all(names.sort().map((n) => describe(modelsDir, n)));
}
