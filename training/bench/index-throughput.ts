/**
 * Benchmark: indexing throughput (docs/s) of the SciFact corpus with the hashing encoder, and the encoder pool's
 * overhead against calling the same encoder in-process, at batch 64. Runs are interleaved and the medians
 * reported, since this machine is shared. Writes `reports/bench-index.json`.
 *
 *   npm run bench:index -- [--runs 5] [--encoder text/chargram] [--skip-es]
 */
import { encoderContext } from '../../service/encoders/registry.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { createProductIndex } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { createEncoder } from '../../service/encoders/registry.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { embeddingText } from '../../service/indexing/prepare.ts';
import { loadBeir } from '../data/beir.ts';
import { beirRows } from './beir-rows.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';

exitWithHelpIfAsked(import.meta.url);
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../../shared/data/scifact') },
    runs: { type: 'string', default: '5' },
    encoder: { type: 'string', default: 'text/chargram' },
    batch: { type: 'string', default: '64' },
    'skip-es': { type: 'boolean', default: false },
    out: { type: 'string', default: 'reports/bench-index.json' },
  },
});
const runs = Number(args.runs);
const batch = Number(args.batch);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const config = loadConfig();
const data = await loadBeir(args.data, { split: 'train' });
const rows = beirRows(data.corpus);
const texts = rows.map((r) => embeddingText(r.doc));
console.log(`corpus: ${texts.length} SciFact documents; encoder ${args.encoder}; batch ${batch}; ${runs} runs`);

// Pool overhead: the same batches, one at a time, in-process vs through a one-thread pool.
const inProcess = await createEncoder(args.encoder, { modelsDir: config.modelsDir });
const pool1 = createEncoderPool({ threads: 1, batchSize: batch, maxQueue: 16_384, context: encoderContext(config) });
const pool2 = createEncoderPool({ threads: 2, batchSize: batch, maxQueue: 16_384, context: encoderContext(config) });
await pool1.warm(args.encoder);
await pool2.warm(args.encoder);
const batches: string[][] = [];
for (let i = 0; i < texts.length; i += batch) batches.push(texts.slice(i, i + batch));

const timeIt = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};
const inProc: number[] = [];
const viaPool: number[] = [];
const pool2All: number[] = [];
for (let r = 0; r < runs; r++) {
  inProc.push(await timeIt(async () => { for (const b of batches) await inProcess.encode(b); }));
  viaPool.push(await timeIt(async () => { for (const b of batches) await pool1.encode(args.encoder, b); }));
  pool2All.push(await timeIt(() => pool2.encode(args.encoder, texts)));
}
const overhead = median(viaPool) / median(inProc) - 1;
console.log(`encode in-process (sequential batches):   ${(texts.length / median(inProc)).toFixed(0)} docs/s  (median ${median(inProc).toFixed(3)} s)`);
console.log(`encode via 1-thread pool (same batches):  ${(texts.length / median(viaPool)).toFixed(0)} docs/s  (median ${median(viaPool).toFixed(3)} s)`);
console.log(`pool overhead at batch ${batch}: ${(overhead * 100).toFixed(1)} %  (target < 10 %)`);
console.log(`encode via 2-thread pool (all at once):   ${(texts.length / median(pool2All)).toFixed(0)} docs/s`);

const indexing: number[] = [];
if (!args['skip-es']) {
  const es = createEsClient({ url: config.es.url, timeoutMs: 120_000 });
  for (let r = 0; r < runs; r++) {
    const index = `bench-index-${Date.now()}`;
    await createProductIndex(es, index, { encoders: [args.encoder] });
    const report = await indexDocuments(rows, { client: es, pool: pool2, index, encoders: [args.encoder], batchSize: batch, refresh: true });
    if (report.indexed !== rows.length) throw new Error(`indexed ${report.indexed} of ${rows.length}`);
    indexing.push(report.indexed / report.seconds);
    await es.indices.delete({ index });
    console.log(`  run ${r + 1}: ${indexing.at(-1)!.toFixed(0)} docs/s`);
  }
  console.log(`indexing throughput (encode + bulk + refresh): median ${median(indexing).toFixed(0)} docs/s`);
  await es.close();
}
await pool1.close();
await pool2.close();
await mkdir(path.dirname(args.out), { recursive: true });
await writeFile(
  args.out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      corpus: 'scifact',
      documents: texts.length,
      encoder: args.encoder,
      batch,
      runs,
      encodeSeconds: { inProcess: inProc, pool1: viaPool, pool2: pool2All },
      poolOverheadMedian: overhead,
      indexingDocsPerSecond: indexing,
      indexingDocsPerSecondMedian: indexing.length ? median(indexing) : null,
    },
    null,
    2,
  ),
);
console.log(`report: ${args.out}`);
