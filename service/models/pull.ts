/**
 * Downloads a sentence-transformers/BERT repository from a Hugging Face-compatible hub into
 * `<modelsDir>/<repoId>/`. The file list and checksums come from the hub's tree listing
 * (`/api/models/<id>/tree/<rev>?recursive=true`): LFS files carry their sha256, small files their git blob sha1;
 * both are checked before a file is moved into place. Downloads go to `<file>.part` and resume with an HTTP
 * Range request after a cut connection (within one call, up to `retries` times, and across calls).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { strataError } from '../errors.ts';
import { describeFiles, writeManifest, type ManifestFile } from './manifest.ts';
import { checkModelName, modelDir } from './paths.ts';

/** What a sentence-transformers model needs (those that exist in the repository are fetched). */
export const MODEL_FILES = [
  'config.json',
  'model.safetensors',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  'modules.json',
  '1_Pooling/config.json',
];
const REQUIRED = ['config.json', 'model.safetensors', 'tokenizer.json'];

export interface PullOptions {
  /** The models directory: files go to `<modelsDir>/<repoId>/`. */
  modelsDir?: string;
  /** Or an explicit target folder (wins over `modelsDir`). */
  dir?: string;
  hubUrl?: string;
  revision?: string;
  /** Injected for tests and proxies; the global fetch by default. */
  fetch?: typeof fetch;
  /** Bearer token for gated repositories. */
  token?: string;
  /** Resume attempts per file after a failed transfer. */
  retries?: number;
  /** A transfer that receives nothing for this long is abandoned (and resumed). */
  idleTimeoutMs?: number;
  files?: readonly string[];
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface PullResult {
  name: string;
  dir: string;
  files: Record<string, ManifestFile>;
  /** Files transferred in this call (others were already complete and verified). */
  downloaded: string[];
}

const TreeEntry = z.object({
  type: z.string(),
  path: z.string(),
  size: z.number().optional(),
  oid: z.string().optional(),
  lfs: z.object({ oid: z.string(), size: z.number().optional() }).nullish(),
});
type Entry = z.infer<typeof TreeEntry>;

interface Expected {
  size: number | undefined;
  algorithm: 'sha256' | 'git-sha1';
  digest: string | undefined;
}

/**
 * Pulls `repoId` (e.g. `sentence-transformers/all-MiniLM-L6-v2`) and writes a manifest with every file's sha256.
 *
 * @example await pullModel('BAAI/bge-small-en-v1.5', { modelsDir: config.modelsDir });
 *          await pullModel('BAAI/bge-small-en-v1.5', { dir: '/tmp/bge', hubUrl: 'http://127.0.0.1:8080', fetch: myFetch });
 */
export async function pullModel(repoId: string, options: PullOptions): Promise<PullResult> {
  const { modelsDir, revision = 'main', retries = 3, idleTimeoutMs = 60_000, files = MODEL_FILES, signal, log = () => {} } = options;
  const hub = (options.hubUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  checkModelName(repoId);
  if (!options.dir && !modelsDir) throw strataError('validation', { summary: 'pullModel needs `modelsDir` or `dir`' });
  const dir = options.dir ?? modelDir(modelsDir!, repoId);

  const listing = await listRepo(doFetch, `${hub}/api/models/${repoId}/tree/${encodeURIComponent(revision)}?recursive=true`, headers, signal);
  const byPath = new Map(listing.filter((e) => e.type === 'file').map((e) => [e.path, e]));
  const missing = REQUIRED.filter((f) => files.includes(f) && !byPath.has(f));
  if (missing.length) throw strataError('model_missing', { dir: `${hub}/${repoId}`, missing: missing.join(', '), hint: 'Is it a BERT/sentence-transformers repository with safetensors weights?' });

  const wanted = files.filter((f) => byPath.has(f));
  const downloaded: string[] = [];
  for (const file of wanted) {
    const entry = byPath.get(file)!;
    const expected: Expected = entry.lfs
      ? { size: entry.lfs.size ?? entry.size, algorithm: 'sha256', digest: entry.lfs.oid }
      : { size: entry.size, algorithm: 'git-sha1', digest: entry.oid };
    const target = path.join(dir, ...file.split('/'));
    if (await isComplete(target, expected)) continue;
    const url = `${hub}/${repoId}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
    await mkdir(path.dirname(target), { recursive: true });
    await download(doFetch, url, `${target}.part`, expected, { headers, retries, idleTimeoutMs, signal, log });
    await verify(`${target}.part`, file, expected);
    await rename(`${target}.part`, target);
    downloaded.push(file);
    log(`downloaded ${file}`);
  }

  const described = await describeFiles(dir, wanted);
  await writeManifest(dir, { name: repoId, source: { type: 'hub', hub, repoId, revision }, createdAt: new Date().toISOString(), files: described });
  return { name: repoId, dir, files: described, downloaded };
}

async function listRepo(doFetch: typeof fetch, first: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Entry[]> {
  const entries: Entry[] = [];
  // The hub paginates long listings with a `Link: <url>; rel="next"` header.
  for (let url: string | undefined = first; url; ) {
    let res: Response;
    try {
      res = await doFetch(url, { headers, signal });
    } catch (err) {
      throw strataError('model_download_failed', { url, reason: causeOf(err) });
    }
    if (!res.ok) {
      const reason = res.status === 404 ? 'HTTP 404: no such repository or revision' : res.status === 401 || res.status === 403 ? `HTTP ${res.status}: gated or private repository (pass a token)` : `HTTP ${res.status}`;
      throw strataError('model_download_failed', { url, reason });
    }
    const parsed = z.array(TreeEntry).safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw strataError('model_download_failed', { url, reason: 'the repository listing is not in the expected format' });
    entries.push(...parsed.data);
    url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
  }
  return entries;
}

async function sizeOf(file: string): Promise<number | undefined> {
  return (await stat(file).catch(() => undefined))?.size;
}

async function isComplete(file: string, expected: Expected): Promise<boolean> {
  const size = await sizeOf(file);
  if (size === undefined || (expected.size !== undefined && size !== expected.size)) return false;
  return expected.digest === undefined || (await digest(file, expected.algorithm)) === expected.digest;
}

interface TransferOptions {
  headers: Record<string, string>;
  retries: number;
  idleTimeoutMs: number;
  signal?: AbortSignal;
  log: (m: string) => void;
}

async function download(doFetch: typeof fetch, url: string, part: string, expected: Expected, o: TransferOptions): Promise<void> {
  let lastError = '';
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) {
      o.log(`resuming ${url} (attempt ${attempt + 1}: ${lastError})`);
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5000)));
    }
    let offset = (await sizeOf(part)) ?? 0;
    if (expected.size !== undefined && offset > expected.size) {
      await rm(part, { force: true });
      offset = 0;
    }
    if (expected.size !== undefined && offset === expected.size) return;
    const idle = idleAbort(o.idleTimeoutMs, o.signal);
    let res: Response;
    try {
      res = await doFetch(url, { headers: offset > 0 ? { ...o.headers, range: `bytes=${offset}-` } : o.headers, signal: idle.signal, redirect: 'follow' });
    } catch (err) {
      idle.done();
      if (o.signal?.aborted) throw err;
      lastError = causeOf(err);
      continue;
    }
    if (res.status === 416 && offset > 0) {
      idle.done();
      return; // nothing left to send: verify what we have
    }
    if (res.status !== 200 && res.status !== 206) {
      idle.done();
      await res.body?.cancel();
      lastError = `HTTP ${res.status}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break;
      continue;
    }
    // A 206 must continue exactly where the part ends; a 200 (server ignored Range) starts over.
    const resumed = res.status === 206 && new RegExp(`^bytes ${offset}-`).test(res.headers.get('content-range') ?? '');
    if (res.status === 206 && !resumed) {
      idle.done();
      await res.body?.cancel();
      await rm(part, { force: true });
      lastError = 'the server resumed at the wrong offset';
      continue;
    }
    const out = createWriteStream(part, { flags: resumed ? 'a' : 'w' });
    try {
      if (!res.body) throw new Error('empty response body');
      await pipeline(
        Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            idle.bump();
            yield chunk;
          }
        },
        out,
      );
    } catch (err) {
      // pipeline() rejects as soon as the source fails, while a write may still be in flight: wait until the
      // file is closed, or the next attempt would measure the part too short and append at the wrong offset.
      await closed(out);
      if (o.signal?.aborted) throw err;
      lastError = idle.signal.aborted ? `no data for ${o.idleTimeoutMs} ms` : causeOf(err);
      continue;
    } finally {
      idle.done();
    }
    const size = (await sizeOf(part)) ?? 0;
    if (expected.size === undefined || size >= expected.size) return;
    lastError = `connection ended after ${size} of ${expected.size} bytes`;
  }
  throw strataError('model_download_failed', { url, reason: `${lastError} (the partial file ${part} is kept; run again to resume)` });
}

function closed(stream: WriteStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  if (!stream.destroyed) stream.destroy();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** An abort signal that fires after `ms` without `bump()`, or when `parent` aborts. */
function idleAbort(ms: number, parent?: AbortSignal) {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParent, { once: true });
  let timer = setTimeout(() => controller.abort(new Error('idle timeout')), ms);
  return {
    signal: controller.signal,
    bump() {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error('idle timeout')), ms);
    },
    done() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

async function verify(part: string, file: string, expected: Expected): Promise<void> {
  const size = (await sizeOf(part)) ?? 0;
  const actual = expected.digest === undefined ? undefined : await digest(part, expected.algorithm);
  const sizeBad = expected.size !== undefined && size !== expected.size;
  if (sizeBad || (actual !== undefined && actual !== expected.digest)) {
    await rm(part, { force: true });
    throw strataError('model_checksum_mismatch', {
      file,
      algorithm: sizeBad ? 'size' : expected.algorithm,
      expected: sizeBad ? `${expected.size} bytes` : expected.digest,
      actual: sizeBad ? `${size} bytes` : actual,
    });
  }
}

/** sha256 of the content, or git's blob id (sha1 of `blob <size>\0` + content) for non-LFS files. */
async function digest(file: string, algorithm: Expected['algorithm']): Promise<string> {
  const hash = createHash(algorithm === 'sha256' ? 'sha256' : 'sha1');
  if (algorithm === 'git-sha1') hash.update(`blob ${(await stat(file)).size}\0`);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function causeOf(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  return [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ') || String(err);
}
