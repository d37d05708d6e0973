/**
 * Fetching the Elasticsearch test distribution from Maven Central into the cache: streamed to a temporary file,
 * checked against the checksum published beside it (when there is one) and only then renamed into place, so a
 * cached zip is always whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, statfs, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError, strataError } from '../../errors.ts';
import { silentProgress, type Log, type Progress } from './progress.ts';

export const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';

/**
 * The Maven Central URL of `org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>@zip`.
 *
 * @example
 *   distributionUrl('9.5.3')
 *   // 'https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/9.5.3/elasticsearch-9.5.3.zip'
 */
export function distributionUrl(version: string, repository = MAVEN_CENTRAL): string {
  return `${repository}/org/elasticsearch/distribution/integ-test-zip/elasticsearch/${version}/elasticsearch-${version}.zip`;
}

export interface Checksum {
  algorithm: 'sha512' | 'sha1';
  hex: string;
}

/**
 * The digest in a Maven checksum file (`<hex>` or `<hex>  <file name>`), or undefined when it is not one.
 *
 * @example
 *   parseChecksum('sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709  x.zip') // { algorithm: 'sha1', hex: 'da39...' }
 */
export function parseChecksum(algorithm: Checksum['algorithm'], text: string): Checksum | undefined {
  const hex = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const length = algorithm === 'sha512' ? 128 : 40;
  return new RegExp(`^[0-9a-f]{${length}}$`).test(hex) ? { algorithm, hex } : undefined;
}

/** The strongest checksum published beside `url` (`.sha512`, else `.sha1`), or undefined when none is. */
export async function fetchChecksum(url: string, fetchImpl: typeof fetch = fetch): Promise<Checksum | undefined> {
  for (const algorithm of ['sha512', 'sha1'] as const) {
    // Beside the file: the suffix goes on the path, before any query (`x.zip?download=true` -> `x.zip.sha1?download=true`).
    const beside = new URL(url);
    beside.pathname += `.${algorithm}`;
    const res = await fetchImpl(beside.href, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
    if (!res?.ok) continue;
    const parsed = parseChecksum(algorithm, await res.text());
    if (parsed) return parsed;
  }
  return undefined;
}

export interface DownloadOptions {
  progress?: Progress;
  log?: Log;
  /** Abort when no byte arrives for this long. */
  stallMs?: number;
  fetchImpl?: typeof fetch;
  /** The error code of a failure (the message names the URL): Elasticsearch's own, or a data file's. */
  code?: 'es_download_failed' | 'download_failed';
}

export interface Downloaded {
  sha256: string;
  bytes: number;
  /** The published checksum the file was verified against, if any was published. */
  verified: Checksum | undefined;
}

/**
 * Downloads `url` to `dest` through `<dest>.part-*`, verifying length and the published checksum, then renames.
 * Throws `es_download_failed` (with "disk full" for ENOSPC) and leaves no partial file behind.
 *
 * @example
 *   await downloadFile(distributionUrl('9.5.3'), '/cache/es/elasticsearch-9.5.3.zip', { progress });
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<Downloaded> {
  const { progress = silentProgress, log = () => undefined, stallMs = 60_000, fetchImpl = fetch, code = 'es_download_failed' } = options;
  await mkdir(path.dirname(dest), { recursive: true });
  const part = `${dest}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fail = (reason: string) => strataError(code, { url, reason });
  let file: FileHandle | undefined;
  // Cleared on every way out: an armed stall timer kept a failed command alive for a minute after its error.
  let stall: NodeJS.Timeout | undefined;
  try {
    const expected = await fetchChecksum(url, fetchImpl);
    if (!expected) log(`no .sha512/.sha1 is published beside ${url}; checking the length only`);
    const controller = new AbortController();
    const arm = () => {
      clearTimeout(stall);
      stall = setTimeout(() => controller.abort(new Error(`no data for ${stallMs} ms`)), stallMs);
    };
    arm();
    const res = await fetchImpl(url, { signal: controller.signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw fail(`HTTP ${res.status} ${res.statusText}`);
    }
    const total = Number(res.headers.get('content-length')) || undefined;
    if (total) await ensureFreeSpace(path.dirname(dest), total * 3, url, code);
    const sha256 = createHash('sha256');
    const published = expected ? createHash(expected.algorithm) : undefined;
    let bytes = 0;
    progress.start(total);
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        arm();
        bytes += chunk.length;
        sha256.update(chunk);
        published?.update(chunk);
        progress.update(bytes);
        done(null, chunk);
      },
    });
    // Created before any byte flows: a write stream opens its file in the background, so a connection that drops at
    // once could otherwise fail the pipeline, let the clean-up below remove nothing, and the late open leave the part.
    file = await open(part, 'w');
    try {
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), meter, file.createWriteStream());
    } finally {
      clearTimeout(stall);
      progress.stop();
    }
    if (total !== undefined && bytes !== total) throw fail(`received ${bytes} of ${total} bytes`);
    if (expected && published) {
      const actual = published.digest('hex');
      if (actual !== expected.hex) throw fail(`${expected.algorithm} mismatch: expected ${expected.hex}, got ${actual}`);
    }
    const digest = sha256.digest('hex');
    await rename(part, dest);
    await writeFile(`${dest}.sha256`, `${digest}  ${path.basename(dest)}\n`);
    return { sha256: digest, bytes, verified: expected };
  } catch (err) {
    await file?.close().catch(() => undefined);
    await rm(part, { force: true });
    if (err instanceof StrataError) throw err;
    const errno = (err as NodeJS.ErrnoException).code;
    throw fail(errno === 'ENOSPC' ? `disk full writing ${path.dirname(dest)}` : err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(stall);
  }
}

/** Throws when the file system holding `dir` has less than `bytes` free (a download plus its unpacked copy). */
export async function ensureFreeSpace(dir: string, bytes: number, url: string, code: NonNullable<DownloadOptions['code']> = 'es_download_failed'): Promise<void> {
  const stats = await statfs(dir);
  const free = stats.bavail * stats.bsize;
  if (free < bytes) {
    throw strataError(code, {
      url,
      reason: `disk full: ${Math.floor(free / 1024 / 1024)} MB free in ${dir}, need ${Math.ceil(bytes / 1024 / 1024)} MB`,
    });
  }
}
