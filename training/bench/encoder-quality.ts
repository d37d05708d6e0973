/**
 * Retrieval quality of text encoders side by side: SciFact training claims against the whole corpus, exact
 * cosine kNN over each encoder's document vectors (no Elasticsearch, so only the encoder differs), nDCG@10 /
 * MRR@10 / R@100 with a paired randomization test against the first encoder, and each encoder's mean cosine to
 * the first one's vectors when dimensions match. It prices the int8 graph (`text/minilm-int8`) and the static
 * fast tier (`text/static`) against `text/minilm`; with both MiniLM graphs it also scores int8 queries against
 * fp32 document vectors (an index built before switching the query side to int8).
 *
 *   nice -n 15 npx tsx training/bench/encoder-quality.ts [--encoders text/minilm,text/minilm-int8,text/static]
 *     [--data ../shared/data/scifact] [--threads 2] [--out reports/encoder-quality.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { embeddingText } from '../../service/indexing/prepare.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { loadBeir } from '../data/beir.ts';
import { evaluateRun } from '../eval/metrics.ts';
import { pairedRandomizationTest } from '../eval/stats.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';
import { beirRows } from './beir-rows.ts';

exitWithHelpIfAsked(import.meta.url);
const { values: args } = parseArgs({
  options: {
    encoders: { type: 'string', default: 'text/minilm,text/minilm-int8,text/static' },
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../../shared/data/scifact') },
    threads: { type: 'string', default: '2' },
    out: { type: 'string', default: 'reports/encoder-quality.json' },
  },
});
const encoders = args.encoders.split(',').map((s) => s.trim()).filter(Boolean);
const config = loadConfig();
const data = await loadBeir(args.data, { split: 'train' });
const docs = beirRows(data.corpus).map((r) => ({ id: r.doc.id, text: embeddingText(r.doc) }));
const queryIds = [...data.qrels.keys()];
const queries = queryIds.map((id) => data.queries.get(id)!);
const pool = createEncoderPool({ threads: Number(args.threads), maxQueue: 100_000, context: encoderContext(config) });
const log = (m: string) => process.stderr.write(`${m}\n`);
log(`SciFact: ${docs.length} documents, ${queries.length} judged training claims; encoders ${encoders.join(', ')}; load ${os.loadavg()[0]!.toFixed(1)}`);

interface Result {
  encoder: string;
  queryVectors: Float32Array;
  dim: number;
  docVectors: Float32Array;
  seconds: number;
  perQuery: Map<string, number>;
  mean: { ndcg: number; mrr: number; recall100: number };
}

/** Exact kNN of every query over every document, scored against the judgments. */
function score(encoder: string, dim: number, q: Float32Array, d: Float32Array, seconds: number): Result {
  const run = new Map<string, string[]>();
  queryIds.forEach((qid, i) => {
    const qv = q.subarray(i * dim, (i + 1) * dim);
    const scores = docs.map((_, j) => {
      const dv = d.subarray(j * dim, (j + 1) * dim);
      let s = 0;
      for (let k = 0; k < dim; k++) s += dv[k]! * qv[k]!;
      return s;
    });
    run.set(qid, scores.map((s, j) => [s, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 100).map(([, j]) => docs[j]!.id));
  });
  const at10 = evaluateRun(run, data.qrels, { k: 10 });
  const at100 = evaluateRun(run, data.qrels, { k: 100 });
  const perQuery = new Map([...at10.perQuery].map(([id, m]) => [id, m.ndcg]));
  log(`  ${encoder}: nDCG@10 ${at10.mean.ndcg.toFixed(4)}, MRR@10 ${at10.mean.mrr.toFixed(4)}, R@100 ${at100.mean.recall.toFixed(4)} (${seconds.toFixed(0)} s to embed)`);
  return { encoder, queryVectors: q, dim, docVectors: d, seconds, perQuery, mean: { ndcg: at10.mean.ndcg, mrr: at10.mean.mrr, recall100: at100.mean.recall } };
}

const results: Result[] = [];
for (const encoder of encoders) {
  const t0 = performance.now();
  const d = await pool.encode(encoder, docs.map((x) => x.text));
  const q = await pool.encode(encoder, queries);
  results.push(score(encoder, d.dim, q.vectors, d.vectors, (performance.now() - t0) / 1000));
}
await pool.close();
const fp32 = results.find((r) => r.encoder === 'text/minilm');
const int8 = results.find((r) => r.encoder === 'text/minilm-int8');
if (fp32 && int8) results.push(score('text/minilm-int8 queries x text/minilm documents', fp32.dim, int8.queryVectors, fp32.docVectors, 0));

const base = results[0]!;
const rows = results.map((r) => {
  const ids = [...base.perQuery.keys()];
  const test = r === base ? undefined : pairedRandomizationTest(ids.map((id) => r.perQuery.get(id) ?? 0), ids.map((id) => base.perQuery.get(id) ?? 0), { seed: 7 });
  let cosine: number | undefined;
  if (r !== base && r.dim === base.dim && r.docVectors !== base.docVectors) {
    let sum = 0;
    for (let j = 0; j < docs.length; j++) {
      const a = base.docVectors.subarray(j * base.dim, (j + 1) * base.dim);
      const b = r.docVectors.subarray(j * r.dim, (j + 1) * r.dim);
      let s = 0;
      for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
      sum += s;
    }
    cosine = sum / docs.length;
  }
  return { encoder: r.encoder, dim: r.dim, ...r.mean, embedSeconds: r.seconds, ...(test ? { deltaNdcg: r.mean.ndcg - base.mean.ndcg, p: test.pValue } : {}), ...(cosine !== undefined ? { meanCosineToBase: cosine } : {}) };
});
await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
await writeFile(args.out, `${JSON.stringify({ date: new Date().toISOString(), loadAverage: os.loadavg(), documents: docs.length, queries: queries.length, rows }, null, 2)}\n`);
console.log('| encoder | nDCG@10 | MRR@10 | R@100 | vs first (p) | mean cosine to first |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const delta = 'deltaNdcg' in r && r.deltaNdcg !== undefined ? `${r.deltaNdcg >= 0 ? '+' : ''}${r.deltaNdcg.toFixed(4)} (${r.p!.toFixed(3)})` : '';
  console.log(`| \`${r.encoder}\` | ${r.ndcg.toFixed(4)} | ${r.mrr.toFixed(4)} | ${r.recall100.toFixed(4)} | ${delta} | ${'meanCosineToBase' in r ? r.meanCosineToBase!.toFixed(4) : ''} |`);
}
console.log(`Report: ${args.out}`);
