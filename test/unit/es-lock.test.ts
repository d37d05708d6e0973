import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../service/errors.ts';
import { fetchHealth, isPortInUse, waitForHealth } from '../../service/es/manage/health.ts';
import { withLock } from '../../service/es/manage/lock.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'strata-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('withLock', () => {
  it('runs holders one at a time and removes the lock afterwards', async () => {
    const lock = path.join(dir, 'a.lock');
    const events: string[] = [];
    const hold = (name: string) =>
      withLock(lock, async () => {
        events.push(`${name}+`);
        await sleep(100);
        events.push(`${name}-`);
      });
    await Promise.all([hold('a'), hold('b')]);
    expect(['a+,a-,b+,b-', 'b+,b-,a+,a-']).toContain(events.join());
    await expect(readFile(lock, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('takes over a lock left by a dead process', async () => {
    const lock = path.join(dir, 'b.lock');
    const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    await writeFile(lock, dead);
    expect(await withLock(lock, async () => 'ran', { timeoutMs: 2_000 })).toBe('ran');
  });

  it('gives up with a clear error while a live process holds it', async () => {
    const lock = path.join(dir, 'c.lock');
    await writeFile(lock, String(process.ppid));
    const err = await withLock(lock, async () => 'ran', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as StrataError).message).toMatch(new RegExp(`held by pid ${process.ppid}`));
  });
});

describe('health probes', () => {
  it('reads the status of a node and treats anything else as not Elasticsearch', async () => {
    let reply: unknown = { cluster_name: 'strata', status: 'yellow' };
    const server = http.createServer((req, res) => {
      if (req.url === '/_cluster/health') res.end(JSON.stringify(reply));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    try {
      expect(await fetchHealth(url)).toBe('yellow');
      expect(await isPortInUse('127.0.0.1', port)).toBe(true);
      reply = { status: 'red' };
      // A red node with a dead process: stop waiting at once rather than at the deadline.
      const started = Date.now();
      expect(await waitForHealth(url, { timeoutMs: 10_000, alive: () => false })).toBe('red');
      expect(Date.now() - started).toBeLessThan(5_000);
      reply = 'not json health';
      expect(await fetchHealth(url)).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await isPortInUse('127.0.0.1', port)).toBe(false);
    expect(await fetchHealth(url)).toBeUndefined();
  });
});
