/**
 * Data files given as URLs (`strata index https://.../products.parquet`, `--judgments https://...`): downloaded once
 * into `<cache>/downloads/` (through a `.part` file, checked against a published `.sha512`/`.sha1` when there is one,
 * with progress), then read as local files. A second run with the same URL reads the copy; `--refresh-download`
 * fetches it again.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { downloadFile } from '../es/manage/download.ts';
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
  const name = decodeURIComponent(path.posix.basename(url.pathname)).replace(/[^\w.-]+/g, '_') || 'download';
  const dest = path.join(cacheDir, 'downloads', createHash('sha256').update(url.href).digest('hex').slice(0, 16), name);
  // downloadFile renames the finished file into place and then writes its .sha256: both mean a whole copy.
  if (!refresh && existsSync(dest) && existsSync(`${dest}.sha256`)) {
    log(`using ${url.href} as downloaded before (${dest}; --refresh-download fetches it again)`);
    return dest;
  }
  const got = await downloadFile(url.href, dest, { progress: consoleProgress(name, log), log, code: 'download_failed', ...(fetchImpl ? { fetchImpl } : {}) });
  log(`downloaded ${url.href}: ${(got.bytes / 1024 / 1024).toFixed(1)} MB${got.verified ? `, ${got.verified.algorithm} verified` : ''} -> ${dest}`);
  return dest;
}
