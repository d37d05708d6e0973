/**
 * Model files are checked against their folder's `manifest.json` before a session is built from them: the size
 * first (free), then the sha256 (about 0.2-0.5 s for MiniLM's 90 MB, once per file version per thread). A file
 * that differs (a partial copy, zeroed blocks, an edit) is refused with `model_corrupt` naming it, instead of
 * serving different scores as if healthy. Files no manifest lists (or folders without one) are not checked.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readManifest, sha256File } from './manifest.ts';
import { strataError } from '../errors.ts';

const verified = new Set<string>();

/** The manifest entry for `file`: the nearest folder (the file's own or up to two above) whose manifest lists it. */
async function manifestEntry(file: string): Promise<{ size: number; sha256: string } | undefined> {
  let dir = path.dirname(file);
  for (let up = 0; up < 3; up++) {
    const manifest = await readManifest(dir);
    const rel = path.relative(dir, file).split(path.sep).join('/');
    if (manifest?.files[rel]) return manifest.files[rel];
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * Throws `model_corrupt` when `file` differs from its manifest entry; remembers files that matched.
 *
 * @example await verifyModelFile('/cache/models/sentence-transformers/all-MiniLM-L6-v2/onnx/model.onnx');
 */
export async function verifyModelFile(file: string): Promise<void> {
  const info = await stat(file);
  const key = `${file}|${info.size}|${info.mtimeMs}`;
  if (verified.has(key)) return;
  const entry = await manifestEntry(file);
  if (entry) {
    if (entry.size !== info.size) throw strataError('model_corrupt', { file, reason: `${info.size} bytes, the manifest says ${entry.size}` });
    const actual = await sha256File(file);
    if (actual !== entry.sha256) throw strataError('model_corrupt', { file, reason: `sha256 ${actual.slice(0, 12)}..., the manifest says ${entry.sha256.slice(0, 12)}...` });
  }
  verified.add(key);
}
