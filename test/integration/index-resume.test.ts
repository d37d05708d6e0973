/**
 * Indexing survives Elasticsearch going away: through a local TCP proxy that drops every connection for a while,
 * a run waits and finishes with every document stored; when the outage outlasts the retry window, the run stops
 * with its checkpoint, and a second run resumes after the checkpoint's line instead of starting over.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex } from '../../service/es/indices.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import type { CatalogRow } from '../../service/catalog/read.ts';

const esUrl = inject('esUrl');
const config = loadConfig({ STRATA_ES_URL: esUrl });
const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
const direct = createEsClient({ url: esUrl });
const encoders = ['text/chargram'];

/** A TCP proxy to Elasticsearch whose `down()` resets every open connection and every new one until `up()`. */
async function startProxy(target: URL) {
  let isDown = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (isDown) return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    down() {
      isDown = true;
      for (const s of sockets) s.destroy();
    },
    up() {
      isDown = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const COUNT = 300;
const rows = (): CatalogRow[] =>
  Array.from({ length: COUNT }, (_, i) => ({ line: i + 1, ok: true as const, doc: { id: `p${i}`, title: `Product ${i}: a quiet dishwasher, model ${i * 7}` } as never }));

let proxy: Awaited<ReturnType<typeof startProxy>>;
let dir: string;
beforeAll(async () => {
  proxy = await startProxy(new URL(esUrl));
  dir = await mkdtemp(path.join(os.tmpdir(), 'strata-resume-'));
});
/** The aliases the tests created, removed with their indices at the end. */
const created: string[] = [];
const freshIndex = () => {
  const name = `resume-${randomUUID().slice(0, 8)}`;
  created.push(name);
  return name;
};

afterAll(async () => {
  for (const alias of created) {
    const targets = await aliasTargets(direct, alias);
    if (targets.length) await direct.indices.delete({ index: targets });
  }
  await proxy.close();
  await pool.close();
  await direct.close();
  await rm(dir, { recursive: true, force: true });
});

const count = async (index: string) => {
  await direct.indices.refresh({ index });
  return (await direct.count({ index })).count;
};

describe('indexDocuments when Elasticsearch goes away', () => {
  it('waits out an outage mid-run and stores every document', async () => {
    const index = freshIndex();
    await ensureIndex(direct, index, { encoders });
    const es = createEsClient({ url: proxy.url, timeoutMs: 5_000 });
    let outage = false;
    const retries: number[] = [];
    const report = await indexDocuments(rows(), {
      client: es,
      pool,
      index,
      encoders,
      batchSize: 10,
      flushBytes: 20_000,
      concurrency: 1,
      retryForMs: 30_000,
      onRetry: (attempt) => retries.push(attempt),
      onProgress: ({ indexed }) => {
        if (!outage && indexed >= 100) {
          outage = true;
          proxy.down();
          setTimeout(() => proxy.up(), 2_500);
        }
      },
    });
    await es.close();
    console.log(`outage of 2.5 s mid-run: ${report.indexed} indexed, ${report.retries} retries, timings ${JSON.stringify(report.timings)}`);
    expect(outage).toBe(true);
    expect(report.retries).toBeGreaterThan(0);
    expect(report.indexed).toBe(COUNT);
    expect(report.dropped).toEqual([]);
    expect(await count(index)).toBe(COUNT);
  });

  it('gives up after the retry window with a checkpoint, and a second run resumes after it', async () => {
    const index = freshIndex();
    await ensureIndex(direct, index, { encoders });
    const es = createEsClient({ url: proxy.url, timeoutMs: 5_000 });
    let checkpoint = { line: 0, indexed: 0 };
    const run = indexDocuments(rows(), {
      client: es,
      pool,
      index,
      encoders,
      batchSize: 10,
      flushBytes: 20_000,
      concurrency: 2,
      retryForMs: 1_000,
      checkpointEveryMs: 0,
      onCheckpoint: (p) => void (checkpoint = p),
      onProgress: ({ indexed }) => {
        if (indexed >= 120) proxy.down();
      },
    });
    await expect(run).rejects.toThrow(/Elasticsearch/);
    proxy.up();
    const stored = await count(index);
    console.log(`gave up with checkpoint ${JSON.stringify(checkpoint)}; ${stored} documents stored`);
    expect(checkpoint.line).toBeGreaterThanOrEqual(100);
    expect(checkpoint.line).toBeLessThan(COUNT);
    expect(stored).toBeGreaterThanOrEqual(checkpoint.line);

    let read = 0;
    const resumed = await indexDocuments(rows(), {
      client: es,
      pool,
      index,
      encoders,
      batchSize: 10,
      resumeAfterLine: checkpoint.line,
      onProgress: (p) => void (read = p.read),
    });
    await es.close();
    expect(resumed.resumedAfterLine).toBe(checkpoint.line);
    expect(read).toBe(COUNT - checkpoint.line);
    expect(resumed.indexed).toBe(COUNT - checkpoint.line);
    expect(await count(index)).toBe(COUNT);
  });
});
