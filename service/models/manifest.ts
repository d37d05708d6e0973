/**
 * `manifest.json` in every model folder: where the files came from and the sha256 and size of each, so a
 * later run (or a person) can tell what is on disk and whether it is intact.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const MANIFEST = 'manifest.json';

const FileEntry = z.object({ size: z.number(), sha256: z.string() });
const ManifestSchema = z.object({
  name: z.string(),
  source: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  files: z.record(z.string(), FileEntry),
  conversion: z.record(z.string(), z.unknown()).optional(),
});

export type ManifestFile = z.infer<typeof FileEntry>;
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * sha256 of a file, streamed.
 *
 * @example await sha256File('/models/x/model.safetensors') // '53aa51...'
 */
export function sha256File(file: string, algorithm = 'sha256'): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm);
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Size and sha256 of each file (paths relative to `dir`). */
export async function describeFiles(dir: string, files: string[]): Promise<Record<string, ManifestFile>> {
  const out: Record<string, ManifestFile> = {};
  for (const rel of files) {
    const full = path.join(dir, rel);
    out[rel] = { size: (await stat(full)).size, sha256: await sha256File(full) };
  }
  return out;
}

/** The folder's manifest, or undefined when there is none or it does not parse. */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the manifest atomically (temp file + rename). */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const tmp = path.join(dir, `${MANIFEST}.tmp-${process.pid}`);
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, path.join(dir, MANIFEST));
}
