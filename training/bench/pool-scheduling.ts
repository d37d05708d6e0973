/**
 * Benchmark: what the pool's chunk size costs and buys. For each target chunk time (and the old behaviour, one
 * task per 64 inputs), with MiniLM on SciFact abstracts (~256 tokens) and queries:
 * - bulk throughput (abstracts/s);
 * - how long after an abort the pool is free again (a 500-abstract encode aborted after 1 s);
 * - the latency of a single query embedding alone and while a bulk encode runs (another owner).
 * Variants are interleaved within each run; medians over runs.
 *
 *   flock -x /work/locks/bench.lock npx tsx training/bench/pool-scheduling.ts [--runs 3] [--out reports/bench-pool-scheduling.json]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { createEncoderPool, type EncoderPool } from '../../service/pool/pool.ts';
import { readBeirCorpus, readBeirQueries } from '../data/beir.ts';
import { interleaved, median, percentile } from './summarise-timings.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    out: { type: 'string', default: 'reports/bench-pool-scheduling.json' },
    scifact: { type: 'string', default: path.join(SHARED, 'scifact') },
    encoder: { type: 'string', default: 'text/minilm' },
    chunks: { type: 'string', default: '60,125,250,500,0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('Usage: npx tsx training/bench/pool-scheduling.ts [--runs 3] [--chunks 60,125,250,500,0] [--encoder text/minilm] [--out file]\n(chunk 0 = one task per 64 inputs, the behaviour before chunking)');
  process.exit(0);
}

const config = loadConfig();
const encoder = args.encoder!;
const runs = Number(args.runs);
const abstracts: string[] = [];
for await (const doc of readBeirCorpus(args.scifact!)) {
  abstracts.push(`${doc.title}\n${doc.text}`);
  if (abstracts.length >= 600) break;
}
const queries: string[] = [];
for await (const q of readBeirQueries(args.scifact!)) queries.push(q.text);

interface Variant {
  label: string;
  chunkMs: number;
  pool: EncoderPool;
}
const variants: Variant[] = args.chunks!.split(',').map((s) => {
  const chunkMs = Number(s);
  // 0: the old behaviour, one task per 64 inputs whatever they cost.
  const pool = createEncoderPool({ threads: config.pool.threads, context: encoderContext(config), ...(chunkMs > 0 ? { chunkMs } : { chunkMs: 1e9, batchSize: 64 }) });
  return { label: chunkMs > 0 ? `${chunkMs} ms chunks` : 'unchunked (64 per task)', chunkMs, pool };
});
for (const v of variants) await v.pool.warm(encoder);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let q = 0;
const nextQuery = () => `${queries[q++ % queries.length]} ${q}`;

async function idle(pool: EncoderPool): Promise<void> {
  while (pool.stats().running > 0 || pool.stats().queueSize > 0) await sleep(2);
}

async function queryLatencies(pool: EncoderPool, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await pool.encode(encoder, [nextQuery()], { owner: 'searcher', priority: 'interactive' });
    out.push(performance.now() - t);
  }
  return out;
}

type Figures = { throughput: number; freeAfterAbortMs: number; queryIdleMs: number[]; queryBusyMs: number[] };
const results: Record<string, Figures[]> = Object.fromEntries(variants.map((v) => [v.label, []]));

for (let run = 0; run < runs; run++) {
  for (const v of interleaved(variants, run)) {
    const { pool } = v;
    // Throughput of a bulk encode.
    const t0 = performance.now();
    await pool.encode(encoder, abstracts.slice(0, 128), { owner: 'indexer', priority: 'bulk' });
    const throughput = 128 / ((performance.now() - t0) / 1000);
    // Abort a large encode after 1 s; time until the pool is free.
    const ac = new AbortController();
    const big = pool.encode(encoder, abstracts.slice(0, 500), { owner: 'indexer', priority: 'bulk', signal: ac.signal }).catch(() => undefined);
    await sleep(1000);
    ac.abort();
    const ta = performance.now();
    await idle(pool);
    const freeAfterAbortMs = performance.now() - ta;
    await big;
    // Query latency alone, then while a bulk encode runs.
    const queryIdleMs = await queryLatencies(pool, 15);
    const bulk = new AbortController();
    const background = pool.encode(encoder, abstracts.slice(0, 400), { owner: 'indexer', priority: 'bulk', signal: bulk.signal }).catch(() => undefined);
    await sleep(300);
    const queryBusyMs = await queryLatencies(pool, 15);
    bulk.abort();
    await background;
    await idle(pool);
    results[v.label]!.push({ throughput, freeAfterAbortMs, queryIdleMs, queryBusyMs });
    console.error(`run ${run + 1} ${v.label}: ${throughput.toFixed(1)}/s, free after abort ${freeAfterAbortMs.toFixed(0)} ms, query p50 idle ${median(queryIdleMs).toFixed(0)} ms busy ${median(queryBusyMs).toFixed(0)} ms`);
  }
}
for (const v of variants) await v.pool.close();

const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const rows = variants.map((v) => {
  const r = results[v.label]!;
  return {
    variant: v.label,
    throughput: median(r.map((x) => x.throughput)),
    freeAfterAbortMs: median(r.map((x) => x.freeAfterAbortMs)),
    freeAfterAbortMaxMs: Math.max(...r.map((x) => x.freeAfterAbortMs)),
    queryIdleP50: median(r.flatMap((x) => x.queryIdleMs)),
    queryBusyP50: median(r.flatMap((x) => x.queryBusyMs)),
    queryBusyP90: percentile(r.flatMap((x) => x.queryBusyMs), 90),
  };
});
console.log(`\n${encoder}, ${config.pool.threads} threads, ${runs} runs, load average ${load}\n`);
console.log('| chunks | abstracts/s | pool free after abort (median / max) | query alone p50 | query during bulk p50 / p90 |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.variant} | ${r.throughput.toFixed(1)} | ${r.freeAfterAbortMs.toFixed(0)} / ${r.freeAfterAbortMaxMs.toFixed(0)} ms | ${r.queryIdleP50.toFixed(0)} ms | ${r.queryBusyP50.toFixed(0)} / ${r.queryBusyP90.toFixed(0)} ms |`);
}
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
await mkdir(path.dirname(args.out!), { recursive: true });
await writeFile(args.out!, JSON.stringify({ encoder, threads: config.pool.threads, runs, loadAverage: load, commit, rows, raw: results }, null, 2));
console.log(`\nreport: ${args.out}`);
