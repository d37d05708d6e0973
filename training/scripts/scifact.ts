/**
 * SciFact first-stage figures: indexes `../shared/data/scifact` (once; again with --reindex) and prints nDCG@10,
 * MRR@10 and Recall@100 of BM25, kNN and hybrid (RRF) on the training qrels, for each text encoder given.
 * Writes `reports/scifact-retrieval.json`.
 *
 *   npm run eval:scifact -- [--encoders text/chargram,text/minilm] [--reindex] [--data ../shared/data/scifact]
 */
import { encoderContext } from '../../service/encoders/registry.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { ensureIndex, aliasTargets } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { beirRows } from '../bench/beir-rows.ts';
import { loadBeir } from '../data/beir.ts';
import { evaluateRetrieval } from '../eval/retrieval-eval.ts';
import { evaluateRun } from '../eval/metrics.ts';
import type { RetrievalMode } from '../../service/retrieval/hybrid.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../../shared/data/scifact') },
    encoders: { type: 'string', default: 'text/chargram' },
    index: { type: 'string', default: 'scifact' },
    reindex: { type: 'boolean', default: false },
    out: { type: 'string', default: 'reports/scifact-retrieval.json' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npm run eval:scifact -- [--encoders text/chargram,text/minilm] [--reindex] [--data DIR] [--index NAME] [--out FILE]');
  process.exit(0);
}

const config = loadConfig();
const encoders = args.encoders.split(',').map((s) => s.trim()).filter(Boolean);
const es = createEsClient({ url: config.es.url, timeoutMs: 120_000 });
const pool = createEncoderPool({ threads: config.pool.threads, maxQueue: 16_384, context: encoderContext(config) });
const data = await loadBeir(args.data, { split: 'train' });
console.log(`SciFact: ${data.corpus.length} documents, ${data.qrels.size} judged training queries`);

const index = `${args.index}-${encoders.map((e) => e.replace(/\W+/g, '_')).join('-')}`;
if (args.reindex && (await aliasTargets(es, index)).length) await es.indices.delete({ index: await aliasTargets(es, index) });
await ensureIndex(es, index, { encoders });
const count = (await es.count({ index })).count;
if (count !== data.corpus.length) {
  const report = await indexDocuments(beirRows(data.corpus), {
    client: es,
    pool,
    index,
    encoders,
    refresh: true,
    onProgress: (p) => process.stderr.write(`\rindexing ${p.indexed}/${data.corpus.length}`),
  });
  process.stderr.write('\n');
  console.log(`indexed ${report.indexed} docs in ${report.seconds.toFixed(1)} s (${(report.indexed / report.seconds).toFixed(0)} docs/s)`);
  if (report.dropped.length || report.invalid.length) throw new Error(`indexing lost documents: ${JSON.stringify(report.dropped.slice(0, 3))}`);
}

const systems: Array<{ name: string; mode: RetrievalMode; encoder?: string }> = [{ name: 'bm25', mode: 'bm25' }];
for (const encoder of encoders) {
  systems.push({ name: `knn:${encoder}`, mode: 'knn', encoder }, { name: `hybrid:${encoder}`, mode: 'hybrid', encoder });
}
const results = [];
for (const s of systems) {
  const ev = await evaluateRetrieval({ client: es, pool, index, queries: data.queries, qrels: data.qrels, mode: s.mode, ...(s.encoder ? { encoder: s.encoder } : {}), k: 10 });
  const recall100 = evaluateRun(ev.run, data.qrels, { k: 100 }).mean.recall;
  results.push({ system: s.name, ndcg10: ev.mean.ndcg, mrr10: ev.mean.mrr, recall100, queries: ev.evaluated, seconds: ev.seconds });
  console.log(`${s.name.padEnd(22)} nDCG@10 ${ev.mean.ndcg.toFixed(4)}  MRR@10 ${ev.mean.mrr.toFixed(4)}  R@100 ${recall100.toFixed(4)}  (${ev.evaluated} queries, ${ev.seconds.toFixed(1)} s)`);
}
await mkdir(path.dirname(args.out), { recursive: true });
await writeFile(args.out, JSON.stringify({ dataset: 'scifact', split: 'train', index, encoders, results, date: new Date().toISOString() }, null, 2));
console.log(`report: ${args.out}`);
await pool.close();
await es.close();
