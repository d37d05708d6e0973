import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readManifest } from '../../service/models/manifest.ts';
import { pullModel } from '../../service/models/pull.ts';
import { tinyTokenizerJson, writeTinyBert } from './models-fixtures.ts';

/**
 * A local stand-in for the hub: the tree listing API and `resolve` downloads with HTTP Range support, plus
 * switches to cut a transfer half-way or to advertise a wrong sha256.
 */
interface Hub {
  url: string;
  files: Map<string, Buffer>;
  requests: Array<{ path: string; range: string | undefined }>;
  /** Files whose next transfer is cut after half of the remaining bytes. */
  cut: Set<string>;
  /** Files whose next transfer stops sending after half of the bytes, keeping the connection open. */
  stall: Set<string>;
  /** Files whose listing advertises a wrong sha256 (LFS) / blob id. */
  lie: Set<string>;
  server: Server;
}

const REPO = 'test-org/tiny-bert';
const LFS = new Set(['model.safetensors']);
let hub: Hub;
let root: string;
let source: string;

const sha = (algo: string, data: Buffer | string) => createHash(algo).update(data).digest('hex');
const gitBlob = (data: Buffer) => sha('sha1', Buffer.concat([Buffer.from(`blob ${data.length}\0`), data]));

async function startHub(files: Map<string, Buffer>): Promise<Hub> {
  const h = { files, requests: [], cut: new Set<string>(), stall: new Set<string>(), lie: new Set<string>() } as unknown as Hub;
  h.server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    h.requests.push({ path: url.pathname, range: req.headers.range });
    if (url.pathname === `/api/models/${REPO}/tree/main` && url.searchParams.get('recursive') === 'true') {
      const listing = [...h.files].map(([p, data]) => ({
        type: 'file',
        path: p,
        size: data.length,
        oid: h.lie.has(p) && !LFS.has(p) ? '0'.repeat(40) : gitBlob(data),
        ...(LFS.has(p) ? { lfs: { oid: h.lie.has(p) ? 'f'.repeat(64) : sha('sha256', data), size: data.length, pointerSize: 134 } } : {}),
      }));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify([{ type: 'directory', path: '1_Pooling', oid: 'x', size: 0 }, ...listing]));
      return;
    }
    const prefix = `/${REPO}/resolve/main/`;
    const file = url.pathname.startsWith(prefix) ? decodeURIComponent(url.pathname.slice(prefix.length)) : undefined;
    const data = file === undefined ? undefined : h.files.get(file);
    if (!data || !file) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (start >= data.length && m) {
      res.statusCode = 416;
      res.end();
      return;
    }
    const body = data.subarray(start);
    res.statusCode = m ? 206 : 200;
    if (m) res.setHeader('content-range', `bytes ${start}-${data.length - 1}/${data.length}`);
    res.setHeader('content-length', body.length);
    if (h.cut.has(file)) {
      h.cut.delete(file);
      res.flushHeaders();
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    if (h.stall.has(file)) {
      h.stall.delete(file);
      res.flushHeaders();
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setTimeout(() => res.socket?.destroy(), 5000).unref();
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => h.server.listen(0, '127.0.0.1', resolve));
  h.url = `http://127.0.0.1:${(h.server.address() as AddressInfo).port}`;
  return h;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'strata-pull-'));
  source = path.join(root, 'source');
  await writeTinyBert(source, { vocab: 2000, hidden: 64, intermediate: 128 });
  const files = new Map<string, Buffer>([
    ['config.json', await readFile(path.join(source, 'config.json'))],
    ['model.safetensors', await readFile(path.join(source, 'model.safetensors'))],
    ['tokenizer.json', Buffer.from(JSON.stringify(tinyTokenizerJson()))],
    ['sentence_bert_config.json', Buffer.from('{"max_seq_length": 16, "do_lower_case": false}')],
    ['modules.json', Buffer.from('[]')],
    ['1_Pooling/config.json', Buffer.from('{"pooling_mode_mean_tokens": true}')],
    ['README.md', Buffer.from('not wanted')],
  ]);
  hub = await startHub(files);
});
afterAll(async () => {
  await new Promise((r) => hub.server.close(r));
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  hub.requests.length = 0;
  hub.cut.clear();
  hub.stall.clear();
  hub.lie.clear();
});

const exists = (f: string) =>
  access(f).then(
    () => true,
    () => false,
  );

describe('pullModel against a local hub', () => {
  it('downloads the model files (not the rest), verifies them and writes a manifest with sha256', async () => {
    const modelsDir = path.join(root, 'plain');
    const result = await pullModel(REPO, { modelsDir, hubUrl: hub.url });
    expect(result.dir).toBe(path.join(modelsDir, 'test-org', 'tiny-bert'));
    expect(result.downloaded.sort()).toEqual(['1_Pooling/config.json', 'config.json', 'model.safetensors', 'modules.json', 'sentence_bert_config.json', 'tokenizer.json']);
    expect(await exists(path.join(result.dir, 'README.md'))).toBe(false);
    const manifest = await readManifest(result.dir);
    expect(manifest?.source).toMatchObject({ type: 'hub', repoId: REPO, revision: 'main' });
    expect(manifest?.files['model.safetensors']?.sha256).toBe(sha('sha256', hub.files.get('model.safetensors')!));
    expect(manifest?.files['1_Pooling/config.json']?.size).toBe(hub.files.get('1_Pooling/config.json')!.length);

    // A second pull finds everything complete and transfers nothing.
    hub.requests.length = 0;
    const again = await pullModel(REPO, { modelsDir, hubUrl: hub.url });
    expect(again.downloaded).toEqual([]);
    expect(hub.requests.filter((r) => r.path.includes('/resolve/'))).toEqual([]);
  });

  it('resumes with a Range request after the connection is cut mid-file', async () => {
    const modelsDir = path.join(root, 'resume');
    hub.cut.add('model.safetensors');
    const result = await pullModel(REPO, { modelsDir, hubUrl: hub.url });
    const weights = hub.requests.filter((r) => r.path.endsWith('/model.safetensors'));
    expect(weights).toHaveLength(2);
    expect(weights[0]!.range).toBeUndefined();
    expect(weights[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(weights[1]!.range!)![0])).toBeGreaterThan(0);
    const got = await readFile(path.join(result.dir, 'model.safetensors'));
    expect(sha('sha256', got)).toBe(sha('sha256', hub.files.get('model.safetensors')!));
  });

  it('abandons a stalled transfer after the idle timeout and resumes it', async () => {
    const modelsDir = path.join(root, 'stall');
    hub.stall.add('model.safetensors');
    const started = Date.now();
    const result = await pullModel(REPO, { modelsDir, hubUrl: hub.url, idleTimeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(4000);
    const weights = hub.requests.filter((r) => r.path.endsWith('/model.safetensors'));
    expect(weights.map((r) => r.range === undefined)).toEqual([true, false]);
    expect(sha('sha256', await readFile(path.join(result.dir, 'model.safetensors')))).toBe(sha('sha256', hub.files.get('model.safetensors')!));
  });

  it('keeps the partial file when retries run out and resumes it on the next call', async () => {
    const modelsDir = path.join(root, 'resume-later');
    hub.cut.add('model.safetensors');
    await expect(pullModel(REPO, { modelsDir, hubUrl: hub.url, retries: 0 })).rejects.toThrow(/Downloading .*model\.safetensors failed: .*partial file .* is kept/);
    const part = path.join(modelsDir, 'test-org', 'tiny-bert', 'model.safetensors.part');
    const partial = (await stat(part)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(hub.files.get('model.safetensors')!.length);

    hub.requests.length = 0;
    const result = await pullModel(REPO, { modelsDir, hubUrl: hub.url, retries: 0 });
    expect(hub.requests.find((r) => r.path.endsWith('/model.safetensors'))?.range).toBe(`bytes=${partial}-`);
    expect(result.downloaded).toContain('model.safetensors');
    expect(result.downloaded).not.toContain('config.json'); // completed by the first call
    expect(await exists(part)).toBe(false);
  });

  it('rejects a file whose sha256 does not match the listing, and removes it', async () => {
    const modelsDir = path.join(root, 'mismatch');
    hub.lie.add('model.safetensors');
    await expect(pullModel(REPO, { modelsDir, hubUrl: hub.url })).rejects.toThrow(/Checksum mismatch for model\.safetensors: expected sha256 f{64}, got [0-9a-f]{64}/);
    const dir = path.join(modelsDir, 'test-org', 'tiny-bert');
    expect(await exists(path.join(dir, 'model.safetensors'))).toBe(false);
    expect(await exists(path.join(dir, 'model.safetensors.part'))).toBe(false);
  });

  it('checks small files against their git blob id', async () => {
    const modelsDir = path.join(root, 'blob');
    hub.lie.add('config.json');
    await expect(pullModel(REPO, { modelsDir, hubUrl: hub.url })).rejects.toThrow(/Checksum mismatch for config\.json: expected git-sha1 0{40}/);
  });

  it('downloads into an explicit folder through an injected fetch', async () => {
    const dir = path.join(root, 'explicit');
    const seen: string[] = [];
    const spy: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const result = await pullModel(REPO, { dir, hubUrl: `${hub.url}/`, fetch: spy });
    expect(result.dir).toBe(dir);
    expect(await exists(path.join(dir, 'model.safetensors'))).toBe(true);
    expect(seen[0]).toBe(`${hub.url}/api/models/${REPO}/tree/main?recursive=true`);
    expect(seen).toContain(`${hub.url}/${REPO}/resolve/main/1_Pooling/config.json`);
  });

  it('names an unknown repository', async () => {
    await expect(pullModel('test-org/nope', { modelsDir: path.join(root, 'nope'), hubUrl: hub.url })).rejects.toThrow(/HTTP 404: no such repository/);
  });

  it('refuses names that would escape the models folder', async () => {
    await expect(pullModel('../etc', { modelsDir: root, hubUrl: hub.url })).rejects.toThrow(/invalid model name/);
  });
});
