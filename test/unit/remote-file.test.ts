/**
 * Data files given as URLs: downloaded once into the cache through the real download code, from a local HTTP server
 * (this machine has no route to a data hub), then read as files.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUrl, localCopy } from '../../service/cli/remote-file.ts';
import { StrataError } from '../../service/errors.ts';
import { loadBeirJudgments } from '../../training/data/beir.ts';
import yazl from 'yazl';

const body = Buffer.from(`${JSON.stringify({ id: 'a', title: 'Oak desk' })}\n`);
let beirZip: Buffer = Buffer.alloc(0);

/** A BEIR-style zip: one folder holding corpus, queries and qrels. */
async function makeBeirZip(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('{"_id": "d1", "title": "", "text": "Aspirin lowers fever."}\n'), 'tiny/corpus.jsonl');
  zip.addBuffer(Buffer.from('{"_id": "q1", "text": "does aspirin lower fever"}\n'), 'tiny/queries.jsonl');
  zip.addBuffer(Buffer.from('query-id\tcorpus-id\tscore\nq1\td1\t1\n'), 'tiny/qrels/test.tsv');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
const hits = new Map<string, number>();
let server: http.Server;
let base = '';
let cacheDir = '';

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'strata-remote-'));
  beirZip = await makeBeirZip();
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    if (url.pathname === '/data/catalog.jsonl') {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } else if (url.pathname === '/data/catalog.jsonl.sha1') {
      res.end(createHash('sha1').update(body).digest('hex'));
    } else if (url.pathname === '/beir/tiny.zip') {
      res.writeHead(200, { 'content-length': beirZip.length });
      res.end(beirZip);
    } else if (url.pathname === '/beir/broken.zip') {
      res.end('not a zip');
    } else if (url.pathname === '/data/bad.jsonl') {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } else if (url.pathname === '/data/bad.jsonl.sha1') {
      res.end('0'.repeat(40));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => server.close());

const quiet = () => undefined;

describe('data files by URL', () => {
  it('leaves paths alone and tells URLs', async () => {
    expect(isUrl('https://example.org/x.csv')).toBe(true);
    expect(isUrl('HTTP://example.org/x.csv')).toBe(true);
    expect(isUrl('data/x.csv')).toBe(false);
    expect(await localCopy('data/x.csv', { cacheDir, log: quiet })).toBe('data/x.csv');
  });

  it('downloads once, verified against a published checksum, keeping the file name; reuses it; fetches again when asked', async () => {
    const url = `${base}/data/catalog.jsonl?download=true`;
    const lines: string[] = [];
    const first = await localCopy(url, { cacheDir, log: (m) => lines.push(m) });
    expect(path.basename(first)).toBe('catalog.jsonl');
    expect(first.startsWith(path.join(cacheDir, 'downloads'))).toBe(true);
    expect(await readFile(first)).toEqual(body);
    expect(lines.at(-1)).toMatch(/sha1 verified/);
    expect(hits.get('/data/catalog.jsonl')).toBe(1);
    expect(await localCopy(url, { cacheDir, log: quiet })).toBe(first);
    expect(hits.get('/data/catalog.jsonl')).toBe(1);
    await localCopy(url, { cacheDir, log: quiet, refresh: true });
    expect(hits.get('/data/catalog.jsonl')).toBe(2);
  });

  it('unpacks a BEIR zip once and gives its folder, ready for the BEIR loader', async () => {
    const dir = await localCopy(`${base}/beir/tiny.zip`, { cacheDir, log: quiet });
    expect(path.basename(dir)).toBe('tiny');
    expect(await loadBeirJudgments(dir, { split: 'test' })).toEqual({ queries: new Map([['q1', 'does aspirin lower fever']]), qrels: new Map([['q1', new Map([['d1', 1]])]]) });
    expect(await localCopy(`${base}/beir/tiny.zip`, { cacheDir, log: quiet })).toBe(dir);
    expect(hits.get('/beir/tiny.zip')).toBe(1);
    await expect(localCopy(`${base}/beir/broken.zip`, { cacheDir, log: quiet })).rejects.toThrow(/broken\.zip: not a readable zip/);
  });

  it('names the URL when it is missing or its checksum does not match, and keeps no copy', async () => {
    // A stray % in the name is kept as it is, not a URIError.
    expect(((await localCopy(`${base}/data/50%25%ZZoff.jsonl`, { cacheDir, log: quiet }).catch((e: unknown) => e)) as StrataError).code).toBe('download_failed');
    for (const [name, reason] of [['missing.jsonl', /HTTP 404/], ['bad.jsonl', /sha1 mismatch/]] as const) {
      const url = `${base}/data/${name}`;
      const err = await localCopy(url, { cacheDir, log: quiet }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StrataError);
      expect((err as StrataError).code).toBe('download_failed');
      expect((err as Error).message).toMatch(new RegExp(`^Downloading ${url.replace(/[.?]/g, '\\$&')} failed: `));
      expect((err as Error).message).toMatch(reason);
      // Nothing half-written is taken for a copy on the next run.
      const again = await localCopy(url, { cacheDir, log: quiet }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(StrataError);
    }
  });
});
