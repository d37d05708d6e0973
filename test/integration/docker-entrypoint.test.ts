/**
 * The service image's entrypoint (`service/cli/docker-entrypoint.ts`) run as the image runs it, against the real
 * Elasticsearch, with the image's kind of paths (an empty cache directory, models in a separate directory): it waits
 * while Elasticsearch is not ready (a proxy answers 503 first), loads the demo catalog on the first start only,
 * skips it on the second, serves searches over it, and stops on SIGTERM. No Docker engine is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets } from '../../service/es/indices.ts';

const root = path.resolve(import.meta.dirname, '../..');
const esUrl = inject('esUrl');
const es = createEsClient({ url: esUrl });
const alias = `entrypoint-${randomUUID().slice(0, 8)}`;

/** An HTTP proxy to the real Elasticsearch that answers 503 until `ready` is set, counting what it refused. */
function gatedProxy() {
  const state = { ready: false, refused: 0, forwarded: 0, authorization: new Set<string>() };
  const target = new URL(esUrl);
  const server = http.createServer((req, res) => {
    if (!state.ready) {
      state.refused++;
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"starting"}');
      return;
    }
    state.forwarded++;
    if (req.headers.authorization) state.authorization.add(req.headers.authorization);
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return { state, server };
}

interface Run {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the line that matches, rejects when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

function runEntrypoint(env: Record<string, string>, args: string[] = []): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'service/cli/docker-entrypoint.ts', ...args], {
    cwd: root,
    // The child needs PATH and HOME; everything the image sets is passed explicitly.
    // eslint-disable-next-line no-restricted-syntax
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (l: string) => void }> = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      for (const w of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor(pattern, timeoutMs = 120_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
        waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then((code) => reject(new Error(`entrypoint exited (${code}) before ${pattern}:\n${lines.join('\n')}`)));
      });
    },
  };
}

const proxy = gatedProxy();
let proxyUrl = '';
let env: Record<string, string> = {};
let passwordFile = '';

beforeAll(async () => {
  await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', () => r()));
  proxyUrl = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  const cache = await mkdtemp(path.join(tmpdir(), 'strata-image-cache-'));
  // The password file the Elasticsearch container writes into the shared secrets volume (security is off on the
  // test node, so the credentials are only checked as the header the proxy sees).
  passwordFile = path.join(cache, 'elastic-password');
  await writeFile(passwordFile, 'p@ss word\n', { mode: 0o600 });
  env = {
    STRATA_ES_URL: proxyUrl,
    STRATA_INDEX: alias,
    STRATA_HOST: '127.0.0.1',
    STRATA_PORT: '0',
    // As in the image: a fresh cache (demo catalog, heads) and models prepared elsewhere at build time.
    STRATA_CACHE_DIR: cache,
    STRATA_MODELS_DIR: loadConfig().modelsDir,
    STRATA_POOL_THREADS: '1',
  };
});

afterAll(async () => {
  proxy.server.close();
  const targets = await aliasTargets(es, alias);
  if (targets.length) await es.indices.delete({ index: targets });
  await es.close();
});

describe('docker entrypoint', () => {
  it('waits for Elasticsearch, loads the demo catalog once, serves it, and stops on SIGTERM', async () => {
    const first = runEntrypoint(env, ['--es-password-file', passwordFile]);
    try {
      await first.waitFor(/\[entrypoint\] waiting for Elasticsearch at http:\/\/127\.0\.0\.1:\d+/);
      // Not ready yet: it polls, and nothing is indexed.
      await new Promise((r) => setTimeout(r, 2500));
      expect(proxy.state.refused).toBeGreaterThanOrEqual(2);
      expect(first.lines.some((l) => /Elasticsearch is ready/.test(l))).toBe(false);
      expect(await aliasTargets(es, alias)).toEqual([]);

      proxy.state.ready = true;
      await first.waitFor(/Elasticsearch is ready/);
      await first.waitFor(/demo catalog: 300 products indexed into "entrypoint-/, 300_000);
      const listening = await first.waitFor(/strata service listening on (http:\/\/\S+)/);
      const url = /listening on (\S+)/.exec(listening)![1]!;

      const res = await fetch(`${url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'quiet dishwasher', top_k: 3 }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { hits: Array<{ id: string }> };
      expect(body.hits.length).toBe(3);
      // Every request carried the password from the file, as basic auth for the elastic user.
      expect([...proxy.state.authorization]).toEqual([`Basic ${Buffer.from('elastic:p@ss word').toString('base64')}`]);
      // The password never appears in the log lines.
      expect(first.lines.join('\n')).not.toContain('p@ss');

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }
    const loaded = await aliasTargets(es, alias);
    expect(loaded.length).toBe(1);

    // Second start on the same Elasticsearch: the demo catalog is not loaded again.
    const second = runEntrypoint(env);
    try {
      await second.waitFor(/demo catalog skipped: "entrypoint-[^"]+" already exists/);
      await second.waitFor(/strata service listening on/);
      expect(await aliasTargets(es, alias)).toEqual(loaded);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  });

  it('exits non-zero with the reason when Elasticsearch never becomes ready', async () => {
    const bounded = spawn(process.execPath, ['--import', 'tsx', 'service/cli/docker-entrypoint.ts', '--wait-seconds', '2'], {
      cwd: root,
      // eslint-disable-next-line no-restricted-syntax
      env: { ...process.env, ...env, STRATA_ES_URL: 'http://127.0.0.1:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    bounded.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => bounded.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toMatch(/Elasticsearch at http:\/\/127\.0\.0\.1:1 not ready after 2 s/);
  });
});
