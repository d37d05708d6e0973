/**
 * Data given as URLs (`strata index https://.../products.parquet`, `--judgments https://...`, `--data
 * https://.../scifact.zip`): downloaded once into `<cache>/downloads/` (through a `.part` file, checked against a
 * published `.sha512`/`.sha1` when there is one, with progress), a zip unpacked beside it, then read as local files
 * and folders. A second run with the same URL reads the copy; `strata index --refresh-download` fetches it again.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { strataError } from '../errors.ts';
import { downloadFile } from '../es/manage/download.ts';
import { extractZip } from '../es/manage/zip.ts';
import { consoleProgress, type Log } from '../es/manage/progress.ts';

/** Whether a file argument is an http(s) URL. */
export const isUrl = (s: string) => /^https?:\/\//i.test(s);

/**
 * The local path of `pathOrUrl`: itself for a path, the downloaded copy for a URL. The copy keeps the URL's file
 * name (its extension tells the format) in a folder named after a hash of the whole URL.
 *
 * @example const file = await localCopy('https://example.org/catalog.jsonl.gz', { cacheDir: '~/.cache/strata' });
 */
export async function localCopy(
  pathOrUrl: string,
  { cacheDir, log = (m) => console.error(m), refresh = false, fetchImpl }: { cacheDir: string; log?: Log; refresh?: boolean; fetchImpl?: typeof fetch },
): Promise<string> {
  if (!isUrl(pathOrUrl)) return pathOrUrl;
  const url = new URL(pathOrUrl);
  const raw = path.posix.basename(url.pathname);
  const decoded = (() => {
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw; // a stray % in the name
    }
  })();
  const name = decoded.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '') || 'download';
  const dest = path.join(cacheDir, 'downloads', createHash('sha256').update(url.href).digest('hex').slice(0, 16), name);
  // downloadFile renames the finished file into place and then writes its .sha256: both mean a whole copy.
  if (!refresh && existsSync(dest) && existsSync(`${dest}.sha256`)) {
    log(`using ${url.href} as downloaded before (${dest}; --refresh-download fetches it again)`);
  } else {
    const got = await downloadFile(url.href, dest, { progress: consoleProgress(name, log), log, code: 'download_failed', ...(fetchImpl ? { fetchImpl } : {}) });
    log(`downloaded ${url.href}: ${(got.bytes / 1024 / 1024).toFixed(1)} MB${got.verified ? `, ${got.verified.algorithm} verified` : ''} -> ${dest}`);
    await rm(`${dest}.unpacked`, { recursive: true, force: true });
  }
  return /\.zip$/i.test(dest) ? unpacked(dest, log) : dest;
}

/**
 * A downloaded zip (a BEIR data set: `scifact.zip` holds `scifact/corpus.jsonl`, ...) unpacked beside it once; the
 * folder inside when the zip holds exactly one.
 */
async function unpacked(zip: string, log: Log): Promise<string> {
  const dir = `${zip}.unpacked`;
  if (!existsSync(path.join(dir, '.complete'))) {
    await rm(dir, { recursive: true, force: true });
    log(`unpacking ${path.basename(zip)}`);
    await extractZip(zip, dir).catch((err: unknown) => {
      throw strataError('bad_input_file', { reason: `${zip}: not a readable zip (${(err as Error).message})` });
    });
    await writeFile(path.join(dir, '.complete'), '');
  }
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.name !== '.complete' && !e.name.startsWith('__MACOSX'));
  return entries.length === 1 && entries[0]!.isDirectory() ? path.join(dir, entries[0]!.name) : dir;
}
