/**
 * Benchmark: every registered encoder's throughput at batch 1 and 32 and its single-query latency, plus for MiniLM
 * the int8 vs fp32 speed-up and agreement, and the worker pool's overhead against an in-process session.
 * Compared variants are interleaved within each run and medians over runs are reported, because the machine is
 * shared. Writes all raw timings to a JSON report and prints markdown tables for the README.
 *
 *   nice -n 10 npx tsx training/bench/encoders.ts [--runs 5] [--encoders id,id] [--out reports/bench-encoders.json]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { createEncoder, encoderContext, encoderSpec, listEncoderSpecs } from '../../service/encoders/registry.ts';
import type { EncodedBatch, Encoder, EncoderSpec } from '../../service/encoders/types.ts';
import { createEncoderPool, type EncoderPool } from '../../service/pool/pool.ts';
import { rowCosines, summariseCosines } from './compare-embeddings.ts';
import { encoderTable, miniLMTable, type EncoderRow, type MiniLMFigures, type SkippedEncoder } from './format-encoder-table.ts';
import { loadBenchInputs, type BenchInputs } from './load-bench-inputs.ts';
import { interleaved, median, medianRatio, percentile, throughputs } from './summarise-timings.ts';
import { compareMiniLMGraphs, graphTables, type GraphComparison } from './minilm-graphs.ts';
import { modelDir } from '../../service/models/paths.ts';
import { MINILM } from '../../service/models/prepare-minilm.ts';

const HELP = `Usage: nice -n 10 npx tsx training/bench/encoders.ts [options]

For each registered encoder: items/s at batch 1 and batch 32 and the latency (p50/p99) of one single-item call;
for MiniLM also the int8 vs fp32 speed-up, the mean cosine between their embeddings, and the encoder pool's
overhead (1 thread) and throughput (2 threads) against an in-process session. Encoders whose weights are not
prepared are skipped with the reason. Medians over runs; compared variants are interleaved within each run.

First, MiniLM's graphs on the same weights (minilm-graphs.ts): the earlier converter's standard-op graphs
against the fused ones, fp32 and int8, short and long texts, batch 1 and 32, items/s, tokens/s and the share of
a peak MatMul measured in the same run.

Options:
  --runs <n>             measured runs (default 5)
  --graph-runs <n>       interleaved runs of the graph comparison (default 3; 0 skips it)
  --skip-encoders        only the graph comparison
  --encoders <id,id>     only these encoders (default: every registered one)
  --out <file>           JSON report with raw timings and medians (default reports/bench-encoders.json)
  --latency-calls <n>    single-item calls per run for p50/p99 (default 200)
  --cosine-texts <n>     texts compared for the int8 vs fp32 cosine, half queries, half abstracts (default 500)
  --pool-encoder <id>    encoder for the pool comparison (default text/minilm)
  --scifact <dir>        BEIR SciFact folder (default ../shared/data/scifact)
  --fashion <dir>        fashion-products folder (default ../shared/data/fashion-products)
  -h, --help             this text

Models come from STRATA_MODELS_DIR (or STRATA_CACHE_DIR/models); ONNX intra-op threads from STRATA_ONNX_THREADS.`;

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'graph-runs': { type: 'string', default: '3' },
    'skip-encoders': { type: 'boolean', default: false },
    encoders: { type: 'string' },
    out: { type: 'string', default: 'reports/bench-encoders.json' },
    'latency-calls': { type: 'string', default: '200' },
    'cosine-texts': { type: 'string', default: '500' },
    'pool-encoder': { type: 'string', default: 'text/minilm' },
    scifact: { type: 'string', default: path.join(SHARED, 'scifact') },
    fashion: { type: 'string', default: path.join(SHARED, 'fashion-products') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}
const runs = positiveInt('runs', args.runs);
const latencyCalls = positiveInt('latency-calls', args['latency-calls']);
const cosineTexts = positiveInt('cosine-texts', args['cosine-texts']);

const FP32 = 'text/minilm';
const INT8 = 'text/minilm-int8';
const BATCH = 32;
// Time budgets that size each measurement from a calibration call, so a 5 us encoder and a 100 ms one both get
// a measurement long enough to time and the whole script stays within about ten minutes.
const BATCH1_TARGET_S = 0.5;
const BATCH32_TARGET_S = 1.0;
const POOL_TARGET_S = 3.0;
const TARGETS = { cosineMean: 0.99, poolOverhead: 0.1 };

const log = (message: string) => process.stderr.write(`${message}\n`);
const elapsed = (t0: number) => (performance.now() - t0) / 1000;
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** `count` items of `items` from `start`, wrapping around. */
function cycle<T>(items: readonly T[], start: number, count: number): T[] {
  return Array.from({ length: count }, (_, i) => items[(start + i) % items.length]!);
}

interface Bench {
  spec: EncoderSpec;
  encoder: Encoder<unknown>;
  inputs: BenchInputs;
  plan: { batch1Items: number; batch32Batches: number };
  raw: { batch1Seconds: number[]; batch32Seconds: number[]; latencyMs: number[][] };
  itemErrors: { count: number; first?: string };
}

/** Encodes and counts item errors, so a benchmark over zero rows cannot pass unnoticed. */
async function encodeChecked(bench: Bench, inputs: unknown[]): Promise<EncodedBatch> {
  const batch = await bench.encoder.encode(inputs);
  if (batch.errors.length) {
    bench.itemErrors.count += batch.errors.length;
    bench.itemErrors.first ??= batch.errors[0]!.message;
  }
  return batch;
}

/** Builds, warms and sizes one encoder's benchmark; a reason instead when it cannot run here. */
async function prepare(spec: EncoderSpec, context: ReturnType<typeof encoderContext>): Promise<Bench | SkippedEncoder> {
  let encoder: Encoder<unknown>;
  try {
    encoder = await createEncoder(spec.id, context);
  } catch (err) {
    return { id: spec.id, reason: `not prepared: ${(err as Error).message}` };
  }
  let inputs: BenchInputs;
  try {
    inputs = await loadBenchInputs(spec, { scifact: args.scifact, fashion: args.fashion });
  } catch (err) {
    return { id: spec.id, reason: `no inputs: ${(err as Error).message}` };
  }
  const bench: Bench = {
    spec,
    encoder,
    inputs,
    plan: { batch1Items: 0, batch32Batches: 0 },
    raw: { batch1Seconds: [], batch32Seconds: [], latencyMs: [] },
    itemErrors: { count: 0 },
  };
  // Warm-up (first ONNX runs allocate), then one timed call of each size to size the runs.
  await encodeChecked(bench, cycle(inputs.throughput, 0, BATCH));
  for (let i = 0; i < 5; i++) await encodeChecked(bench, cycle(inputs.latency, i, 1));
  let t0 = performance.now();
  await encodeChecked(bench, cycle(inputs.throughput, BATCH, BATCH));
  const perBatch = elapsed(t0);
  t0 = performance.now();
  for (let i = 0; i < 4; i++) await encodeChecked(bench, cycle(inputs.throughput, i, 1));
  const perItem = elapsed(t0) / 4;
  bench.plan = {
    batch1Items: Math.round(clamp(BATCH1_TARGET_S / perItem, 16, 20_000)),
    batch32Batches: Math.round(clamp(BATCH32_TARGET_S / perBatch, 1, 2_000)),
  };
  bench.itemErrors = { count: 0 };
  return bench;
}

/** One run of one encoder: batch 1, batch 32, then single-item latency. */
async function measure(bench: Bench): Promise<void> {
  const { throughput, latency } = bench.inputs;
  let t0 = performance.now();
  for (let i = 0; i < bench.plan.batch1Items; i++) await encodeChecked(bench, cycle(throughput, i, 1));
  bench.raw.batch1Seconds.push(elapsed(t0));
  t0 = performance.now();
  for (let b = 0; b < bench.plan.batch32Batches; b++) await encodeChecked(bench, cycle(throughput, b * BATCH, BATCH));
  bench.raw.batch32Seconds.push(elapsed(t0));
  const ms: number[] = [];
  for (let i = 0; i < latencyCalls; i++) {
    const item = cycle(latency, i, 1);
    const t = performance.now();
    await encodeChecked(bench, item);
    ms.push(performance.now() - t);
  }
  bench.raw.latencyMs.push(ms);
}

function summarise(bench: Bench): EncoderRow {
  const p50 = bench.raw.latencyMs.map((ms) => percentile(ms, 50));
  const p99 = bench.raw.latencyMs.map((ms) => percentile(ms, 99));
  return {
    id: bench.spec.id,
    dim: bench.spec.dim,
    batch1PerSec: median(throughputs(bench.plan.batch1Items, bench.raw.batch1Seconds)),
    batch32PerSec: median(throughputs(bench.plan.batch32Batches * BATCH, bench.raw.batch32Seconds)),
    p50Ms: median(p50),
    p99Ms: median(p99),
  };
}

// --- pool against in-process --------------------------------------------------------------------------------

interface PoolBench {
  encoder: string;
  batches: string[][];
  queries: string[];
  /** A weightless encoder and one input, to time a message round trip with (almost) no work in it. */
  tiny: { bench: Bench; input: unknown } | undefined;
  inProcess: Bench;
  pool1: EncoderPool;
  pool2: EncoderPool;
  raw: {
    inProcessSeconds: number[];
    pool1Seconds: number[];
    pool2Seconds: number[];
    inProcessQueryMs: number[][];
    pool1QueryMs: number[][];
    inProcessTinyMs: number[][];
    pool1TinyMs: number[][];
  };
}

async function preparePool(inProcess: Bench, tiny: Bench | undefined, context: ReturnType<typeof encoderContext>): Promise<PoolBench> {
  const id = inProcess.spec.id;
  const abstracts = inProcess.inputs.throughput as string[];
  const t0 = performance.now();
  await inProcess.encoder.encode(abstracts.slice(0, BATCH));
  const count = 2 * Math.round(clamp(POOL_TARGET_S / elapsed(t0) / 2, 1, 32));
  const batches = Array.from({ length: count }, (_, b) => cycle(abstracts, b * BATCH, BATCH));
  const pool1 = createEncoderPool({ threads: 1, batchSize: BATCH, maxQueue: 16_384, context });
  const pool2 = createEncoderPool({ threads: 2, batchSize: BATCH, maxQueue: 16_384, context });
  for (const pool of [pool1, pool2]) {
    await pool.warm(id);
    await pool.encode(id, batches.flat().slice(0, 2 * BATCH));
    if (tiny) await pool.warm(tiny.spec.id);
  }
  return {
    encoder: id,
    batches,
    queries: inProcess.inputs.latency as string[],
    tiny: tiny && { bench: tiny, input: tiny.inputs.latency[0] },
    inProcess,
    pool1,
    pool2,
    raw: { inProcessSeconds: [], pool1Seconds: [], pool2Seconds: [], inProcessQueryMs: [], pool1QueryMs: [], inProcessTinyMs: [], pool1TinyMs: [] },
  };
}

async function timeCalls(calls: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await call(i);
    ms.push(performance.now() - t);
  }
  return ms;
}

/** One run: the same batches in-process, through the 1-thread pool one at a time, and all at once through 2 threads. */
async function measurePool(p: PoolBench, run: number): Promise<void> {
  const { encoder: id, batches } = p;
  const variants = {
    inProcess: async () => {
      const t0 = performance.now();
      for (const b of batches) await p.inProcess.encoder.encode(b);
      p.raw.inProcessSeconds.push(elapsed(t0));
      p.raw.inProcessQueryMs.push(await timeCalls(latencyCalls, (i) => p.inProcess.encoder.encode(cycle(p.queries, i, 1))));
      if (p.tiny) p.raw.inProcessTinyMs.push(await timeCalls(latencyCalls, () => p.tiny!.bench.encoder.encode([p.tiny!.input])));
    },
    pool1: async () => {
      const t0 = performance.now();
      for (const b of batches) await p.pool1.encode(id, b);
      p.raw.pool1Seconds.push(elapsed(t0));
      p.raw.pool1QueryMs.push(await timeCalls(latencyCalls, (i) => p.pool1.encode(id, cycle(p.queries, i, 1))));
      if (p.tiny) p.raw.pool1TinyMs.push(await timeCalls(latencyCalls, () => p.pool1.encode(p.tiny!.bench.spec.id, [p.tiny!.input])));
    },
    pool2: async () => {
      const t0 = performance.now();
      await p.pool2.encode(id, batches.flat());
      p.raw.pool2Seconds.push(elapsed(t0));
    },
  };
  for (const name of interleaved(['inProcess', 'pool1', 'pool2'] as const, run)) await variants[name]();
}

/** Median time to structured-clone one batch of inputs (what posting a task to a worker copies). */
function cloneMs(batch: readonly unknown[], repeats = 50): number {
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    structuredClone(batch);
    ms.push(performance.now() - t);
  }
  return median(ms);
}

// --- main -----------------------------------------------------------------------------------------------------

const started = performance.now();
const loadStart = os.loadavg();
const config = loadConfig();
const context = encoderContext(config);
const registered = listEncoderSpecs();
const selected = args.encoders ? args.encoders.split(',').map((s) => encoderSpec(s.trim())) : registered;
log(`registered encoders: ${registered.map((s) => s.id).join(', ')}`);
log(`models: ${config.modelsDir}; ONNX intra-op threads: ${context.intraOpThreads}; ${runs} runs; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);

let graphs: GraphComparison | undefined;
const graphRuns = Number(args['graph-runs']);
if (graphRuns > 0) {
  try {
    graphs = await compareMiniLMGraphs({ modelDir: modelDir(config.modelsDir, MINILM.name), scifact: args.scifact, runs: graphRuns, log });
    console.log(`MiniLM graphs (\`npm run bench:encoders\`, ${graphRuns} interleaved runs, load average ${os.loadavg()[0]!.toFixed(1)}):\n\n${graphTables(graphs)}\n`);
  } catch (err) {
    log(`  no graph comparison: ${(err as Error).message}`);
  }
}
if (args['skip-encoders']) {
  await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
  await writeFile(args.out, `${JSON.stringify({ meta: { date: new Date().toISOString(), loadAverage: { start: loadStart, end: os.loadavg() } }, graphs }, null, 2)}\n`);
  console.log(`Report: ${args.out}`);
  process.exit(0);
}

const benches: Bench[] = [];
const skipped: SkippedEncoder[] = [];
for (const spec of selected) {
  const t0 = performance.now();
  const result = await prepare(spec, context);
  if ('reason' in result) {
    skipped.push(result);
    log(`  skip ${spec.id}: ${result.reason}`);
    continue;
  }
  benches.push(result);
  log(`  ready ${spec.id} (${elapsed(t0).toFixed(1)} s): ${result.plan.batch1Items} items at batch 1, ${result.plan.batch32Batches} batches of 32, ${latencyCalls} single-item calls per run`);
}

const byId = new Map(benches.map((b) => [b.spec.id, b]));
const poolTarget = byId.get(args['pool-encoder']);
const tiny = benches.find((b) => b.spec.weights === 'none');
let pool: PoolBench | undefined;
if (poolTarget) {
  if (poolTarget.spec.modality !== 'text') throw new Error(`--pool-encoder ${poolTarget.spec.id}: the pool comparison uses text batches`);
  pool = await preparePool(poolTarget, tiny, context);
  log(`  pool comparison: ${poolTarget.spec.id}, ${pool.batches.length} batches of ${BATCH} per variant per run`);
} else {
  log(`  no pool comparison: ${args['pool-encoder']} is not among the ready encoders`);
}

for (let run = 0; run < runs; run++) {
  const t0 = performance.now();
  for (const bench of interleaved(benches, run)) await measure(bench);
  if (pool) await measurePool(pool, run);
  log(`run ${run + 1}/${runs}: ${elapsed(t0).toFixed(1)} s (load average ${os.loadavg()[0]!.toFixed(2)})`);
}
await pool?.pool1.close();
await pool?.pool2.close();

// int8 vs fp32: speed from the interleaved runs, agreement over queries and abstracts (untimed).
const fp32 = byId.get(FP32);
const int8 = byId.get(INT8);
const miniLM: MiniLMFigures = {};
let cosineReport: Record<string, unknown> | undefined;
if (fp32 && int8) {
  const b1 = (b: Bench) => throughputs(b.plan.batch1Items, b.raw.batch1Seconds);
  const b32 = (b: Bench) => throughputs(b.plan.batch32Batches * BATCH, b.raw.batch32Seconds);
  const p50 = (b: Bench) => b.raw.latencyMs.map((ms) => percentile(ms, 50));
  miniLM.speedup = { batch1: medianRatio(b1(int8), b1(fp32)), batch32: medianRatio(b32(int8), b32(fp32)), queryP50: medianRatio(p50(fp32), p50(int8)) };

  const half = Math.ceil(cosineTexts / 2);
  const groups = { queries: cycle(fp32.inputs.latency as string[], 0, half), abstracts: cycle(fp32.inputs.throughput as string[], 0, cosineTexts - half) };
  log(`cosine int8 vs fp32 over ${cosineTexts} texts ...`);
  const perGroup: Record<string, unknown> = {};
  const all: number[] = [];
  let worst = { cosine: Infinity, text: '' };
  for (const [name, texts] of Object.entries(groups)) {
    const [a, b] = [await fp32.encoder.encode(texts), await int8.encoder.encode(texts)];
    const cosines = rowCosines(a.vectors, b.vectors, a.dim);
    const s = summariseCosines(cosines);
    perGroup[name] = { ...s, errors: a.errors.length + b.errors.length };
    all.push(...cosines);
    if (s.min < worst.cosine) worst = { cosine: s.min, text: texts[s.argMin]!.slice(0, 120) };
  }
  const s = summariseCosines(all);
  miniLM.cosine = { count: s.count, mean: s.mean, min: s.min, target: TARGETS.cosineMean };
  cosineReport = { ...s, target: TARGETS.cosineMean, perGroup, worst };
} else {
  log(`no int8 vs fp32 comparison: needs both ${FP32} and ${INT8} ready`);
}

let poolReport: Record<string, unknown> | undefined;
if (pool) {
  const items = pool.batches.length * BATCH;
  const p50 = (runsMs: number[][]) => runsMs.map((ms) => percentile(ms, 50));
  const overheadPerRun = pool.raw.pool1Seconds.map((s, i) => s / pool!.raw.inProcessSeconds[i]! - 1);
  const tinyExtra = median(p50(pool.raw.pool1TinyMs).map((ms, i) => ms - p50(pool!.raw.inProcessTinyMs)[i]!));
  const clone = cloneMs(pool.batches[0]!);
  const perBatchExtraMs = ((median(pool.raw.pool1Seconds) - median(pool.raw.inProcessSeconds)) / pool.batches.length) * 1000;
  miniLM.pool = {
    encoder: pool.encoder,
    overhead: median(overheadPerRun),
    target: TARGETS.poolOverhead,
    inProcessPerSec: median(throughputs(items, pool.raw.inProcessSeconds)),
    pool1PerSec: median(throughputs(items, pool.raw.pool1Seconds)),
    pool2PerSec: median(throughputs(items, pool.raw.pool2Seconds)),
    pool2Speedup: medianRatio(pool.raw.inProcessSeconds, pool.raw.pool2Seconds),
    queryExtraMs: median(p50(pool.raw.pool1QueryMs).map((ms, i) => ms - p50(pool!.raw.inProcessQueryMs)[i]!)),
    ...(pool.tiny ? { roundTrip: { encoder: pool.tiny.bench.spec.id, extraMs: tinyExtra } } : {}),
  };
  poolReport = {
    ...miniLM.pool,
    batchSize: BATCH,
    batchesPerVariant: pool.batches.length,
    overheadPerRun,
    // Where the overhead goes: a message round trip with no real work, and copying one batch of inputs.
    diagnostics: {
      perBatchExtraMs,
      structuredCloneOneBatchMs: clone,
      // What messaging alone costs per batch (round trip + input copy), as a share of one in-process batch.
      messagingShare: (tinyExtra + clone) / ((median(pool.raw.inProcessSeconds) / pool.batches.length) * 1000),
    },
    raw: {
      ...pool.raw,
      inProcessQueryMs: pool.raw.inProcessQueryMs.map((r) => r.map((x) => round(x))),
      pool1QueryMs: pool.raw.pool1QueryMs.map((r) => r.map((x) => round(x))),
      inProcessTinyMs: pool.raw.inProcessTinyMs.map((r) => r.map((x) => round(x))),
      pool1TinyMs: pool.raw.pool1TinyMs.map((r) => r.map((x) => round(x))),
    },
  };
}

for (const bench of benches) await bench.encoder.dispose?.();

const rows = benches.map(summarise);
const seconds = elapsed(started);
const loadEnd = os.loadavg();
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
})();
const report = {
  meta: {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model,
    intraOpThreads: context.intraOpThreads,
    runs,
    latencyCalls,
    loadAverage: { start: loadStart, end: loadEnd },
    seconds: round(seconds, 1),
    registered: registered.map((s) => s.id),
  },
  encoders: benches.map((b, i) => ({
    id: b.spec.id,
    modality: b.spec.modality,
    dim: b.spec.dim,
    inputs: b.inputs.description,
    plan: { ...b.plan, batchSize: BATCH, latencyCalls },
    itemErrors: b.itemErrors,
    median: rows[i],
    raw: {
      batch1Seconds: b.raw.batch1Seconds.map((x) => round(x, 6)),
      batch32Seconds: b.raw.batch32Seconds.map((x) => round(x, 6)),
      latencyMs: b.raw.latencyMs.map((r) => r.map((x) => round(x))),
    },
  })),
  skipped,
  miniLM: { speedup: miniLM.speedup, cosine: cosineReport, pool: poolReport },
  graphs,
};
await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
await writeFile(args.out, `${JSON.stringify(report, null, 2)}\n`);

const flagged = benches.filter((b) => b.itemErrors.count > 0);
console.log(
  [
    `Encoder benchmark: \`nice -n 10 npx tsx training/bench/encoders.ts --runs ${runs}\` (${os.availableParallelism()} CPUs, Node ${process.version}, ` +
      `ONNX intra-op threads ${context.intraOpThreads}; medians of ${runs} interleaved runs; load average ${loadStart[0]!.toFixed(1)} -> ${loadEnd[0]!.toFixed(1)}). ` +
      'Text: SciFact title + abstract for throughput, SciFact queries for latency; images: fashion-products JPEGs from disk.',
    '',
    encoderTable(rows, skipped),
    '',
    miniLMTable(miniLM),
    ...flagged.map((b) => `\nNote: \`${b.spec.id}\` had ${b.itemErrors.count} item errors (first: ${b.itemErrors.first}).`),
    '',
    `Report: ${args.out} (${seconds.toFixed(0)} s)`,
  ].join('\n'),
);
