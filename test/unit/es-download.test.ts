import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { StrataError } from '../../service/errors.ts';
import { distributionUrl, downloadFile, parseChecksum } from '../../service/es/manage/download.ts';

const body = Buffer.from('pretend this is elasticsearch-9.5.3.zip '.repeat(2000));
const digest = (algorithm: string, data: Buffer | string) => createHash(algorithm).update(data).digest('hex');

/** Routes of the fake Maven repository: path -> handler. */
const routes = new Map<string, (res: http.ServerResponse) => void>();
let server: http.Server;
let base: string;
let dir: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    if (route) route(res);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  routes.clear();
  routes.set('/es.zip', (res) => res.writeHead(200, { 'content-length': body.length }).end(body));
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(path.join(os.tmpdir(), 'strata-dl-'));
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as StrataError);

describe('distributionUrl', () => {
  it('is the integ-test-zip artifact on Maven Central', () => {
    expect(distributionUrl('9.5.3')).toBe(
      'https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/9.5.3/elasticsearch-9.5.3.zip',
    );
  });
});

describe('parseChecksum', () => {
  it('accepts a bare digest or one followed by a file name, of the right length only', () => {
    const sha1 = digest('sha1', 'x');
    expect(parseChecksum('sha1', `${sha1.toUpperCase()}  es.zip\n`)).toEqual({ algorithm: 'sha1', hex: sha1 });
    expect(parseChecksum('sha512', sha1)).toBeUndefined();
    expect(parseChecksum('sha1', '<html>404</html>')).toBeUndefined();
  });
});

describe('downloadFile', () => {
  it('downloads when no checksum is published, and records the sha256', async () => {
    const dest = path.join(dir, 'es.zip');
    const got = await downloadFile(`${base}/es.zip`, dest);
    expect(got).toEqual({ sha256: digest('sha256', body), bytes: body.length, verified: undefined });
    expect((await readFile(dest)).equals(body)).toBe(true);
    expect(await readFile(`${dest}.sha256`, 'utf8')).toBe(`${digest('sha256', body)}  es.zip\n`);
  });

  it('verifies against the published .sha1', async () => {
    routes.set('/es.zip.sha1', (res) => res.end(digest('sha1', body)));
    const got = await downloadFile(`${base}/es.zip`, path.join(dir, 'es.zip'));
    expect(got.verified).toEqual({ algorithm: 'sha1', hex: digest('sha1', body) });
  });

  it('refuses a download whose .sha512 does not match and leaves no file behind', async () => {
    routes.set('/es.zip.sha512', (res) => res.end(digest('sha512', 'something else')));
    const err = await failure(downloadFile(`${base}/es.zip`, path.join(dir, 'es.zip')));
    expect(err?.code).toBe('es_download_failed');
    expect(err?.message).toMatch(/sha512 mismatch/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports an HTTP error, and leaves no stall timer behind to keep the process alive', async () => {
    // The stall timers (this test's unusual 600 s delay) set during the call, and the timers cleared: counting all
    // active timers instead raced with the HTTP client's own.
    const realSet = globalThis.setTimeout;
    const stalls: unknown[] = [];
    const cleared = new Set<unknown>();
    const set = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const t = realSet(fn, ms);
      if (ms === 600_000) stalls.push(t);
      return t;
    }) as unknown as typeof setTimeout);
    const realClear = globalThis.clearTimeout;
    const clear = vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((t?: NodeJS.Timeout) => {
      cleared.add(t);
      realClear(t);
    }) as typeof clearTimeout);
    try {
      const err = await failure(downloadFile(`${base}/missing.zip`, path.join(dir, 'es.zip'), { stallMs: 600_000 }));
      expect(err?.message).toMatch(/HTTP 404/);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
    expect(await readdir(dir)).toEqual([]);
    // Before, a failed command waited out the whole stall time (60 s by default) before it could exit.
    expect(stalls.length).toBeGreaterThan(0);
    expect(stalls.filter((t) => !cleared.has(t))).toEqual([]);
  });

  it('leaves no half file when the connection drops mid-way', async () => {
    routes.set('/es.zip', (res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000), () => res.destroy());
    });
    const err = await failure(downloadFile(`${base}/es.zip`, path.join(dir, 'es.zip')));
    expect(err).toBeInstanceOf(StrataError);
    expect(await readdir(dir)).toEqual([]);
  });
});
