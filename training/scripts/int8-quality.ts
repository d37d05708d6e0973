/**
 * What the int8 graph costs in retrieval quality, on real judgments: SciFact (title + abstract, the training claims
 * and their qrels in `../shared`) embedded by two encoders through the pool, exact kNN over the whole corpus, nDCG@10
 * and Recall@100 per encoder and the paired difference (95 % paired-bootstrap interval, randomization p). Defaults
 * compare `text/minilm` (the fp32 graph unless `STRATA_MINILM_VARIANT` says otherwise) with `text/minilm-int8`.
 * Embeddings are cached (`<cache dir>/embeddings`). Also: how much a text's vector depends on the texts batched
 * with it (40 SciFact claims embedded alone and in runs of 12 with other claims, in-process, fp32 and int8 graphs).
 * Writes `reports/int8-quality.json` and `.md`.
 *
 *   npx tsx training/scripts/int8-quality.ts [--encoders text/minilm,text/minilm-int8] [--data ../shared/data/scifact]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { loadTextEmbedder } from '../../service/models/embed-text.ts';
import { modelDir } from '../../service/models/paths.ts';
import { MINILM } from '../../service/models/prepare-minilm.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { embedAll } from '../classify/embed.ts';
import { loadBeir } from '../data/beir.ts';
import { evaluateRun } from '../eval/metrics.ts';
import { bootstrapCI, pairedBootstrapTest, pairedRandomizationTest } from '../eval/stats.ts';
import { markdownTable, progress, writeReport } from '../report/write.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';

exitWithHelpIfAsked(import.meta.url);

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../../shared/data/scifact') },
    encoders: { type: 'string', default: 'text/minilm,text/minilm-int8' },
    split: { type: 'string', default: 'train' },
    'report-dir': { type: 'string', default: 'reports' },
  },
});

const config = loadConfig();
const encoders = args.encoders.split(',').map((s) => s.trim()).filter(Boolean);
if (encoders.length !== 2) throw new Error('--encoders: give exactly two encoders to compare');
const data = await loadBeir(args.data, { split: args.split });
const judged = [...data.qrels.keys()].filter((id) => data.queries.has(id));
const docTexts = data.corpus.map((d) => `${d.title}\n${d.text}`.trim());
const queryTexts = judged.map((id) => data.queries.get(id)!);
console.error(`${data.corpus.length} documents, ${judged.length} judged queries (${args.split}); load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);

const pool = createEncoderPool({ threads: config.pool.threads, maxQueue: 16_384, context: encoderContext(config) });
const cacheDir = config.cacheDir;
const perQuery: Record<string, { ndcg: number[]; recall: number[] }> = {};
try {
  for (const encoder of encoders) {
    const bar = progress(encoder);
    const started = performance.now();
    const docs = await embedAll(pool, encoder, docTexts, { cacheDir, onProgress: (_, d, t) => bar(d, t, 'documents') });
    const queries = await embedAll(pool, encoder, queryTexts, { cacheDir, onProgress: (_, d, t) => bar(d, t, 'queries') });
    console.error(`${encoder}: embedded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const dim = docs.dim;
    const run = new Map<string, string[]>();
    judged.forEach((id, qi) => {
      const q = queries.vectors.subarray(qi * dim, (qi + 1) * dim);
      const scores = data.corpus.map((_, di) => {
        let s = 0;
        for (let j = 0; j < dim; j++) s += q[j]! * docs.vectors[di * dim + j]!;
        return s;
      });
      run.set(id, scores.map((s, di) => [s, di] as const).sort((a, b) => b[0] - a[0]).slice(0, 100).map(([, di]) => data.corpus[di]!.id));
    });
    const ev = evaluateRun(run, new Map(judged.map((id) => [id, data.qrels.get(id)!])), { k: 10 });
    const recall = evaluateRun(run, new Map(judged.map((id) => [id, data.qrels.get(id)!])), { k: 100 });
    perQuery[encoder] = { ndcg: judged.map((id) => ev.perQuery.get(id)?.ndcg ?? 0), recall: judged.map((id) => recall.perQuery.get(id)?.recall ?? 0) };
  }
} finally {
  await pool.close();
}

// Batch dependence: the int8 graph quantizes activations with one scale per run, fp32 has no such coupling.
const batchDependence: Record<string, { mean: number; min: number }> = {};
for (const variant of ['fp32', 'int8'] as const) {
  const e = await loadTextEmbedder(modelDir(config.modelsDir, MINILM.name), { variant });
  let sum = 0;
  let min = 1;
  const n = 40;
  for (let i = 0; i < n; i++) {
    const alone = (await e.embed([queryTexts[i]!])).vectors;
    const inBatch = (await e.embed([queryTexts[i]!, ...queryTexts.slice(n + 11 * i, n + 11 * i + 11)])).vectors;
    let dot = 0;
    for (let j = 0; j < e.dim; j++) dot += alone[j]! * inBatch[j]!;
    sum += dot;
    min = Math.min(min, dot);
  }
  batchDependence[variant] = { mean: sum / n, min };
  await e.dispose();
}
const dependence = Object.entries(batchDependence).map(([v, d]) => `${v}: cosine of a claim embedded alone and in a run of 12, mean ${d.mean.toFixed(4)}, min ${d.min.toFixed(4)}`).join('; ');

const [a, b] = encoders as [string, string];
const rows = encoders.map((e) => {
  const ci = bootstrapCI(perQuery[e]!.ndcg);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  return { encoder: e, ndcg10: mean(perQuery[e]!.ndcg), ci: [ci.lower, ci.upper], recall100: mean(perQuery[e]!.recall) };
});
const boot = pairedBootstrapTest(perQuery[b]!.ndcg, perQuery[a]!.ndcg);
const rand = pairedRandomizationTest(perQuery[b]!.ndcg, perQuery[a]!.ndcg);
const table = markdownTable(
  ['encoder', 'nDCG@10 [95 % CI]', 'R@100'],
  rows.map((r) => [r.encoder, `${r.ndcg10.toFixed(4)} [${r.ci[0]!.toFixed(3)}, ${r.ci[1]!.toFixed(3)}]`, r.recall100.toFixed(4)]),
  4,
);
const diff = `${b} - ${a}: ${boot.meanDiff >= 0 ? '+' : ''}${boot.meanDiff.toFixed(4)} [95 % CI ${boot.lower.toFixed(4)}, ${boot.upper.toFixed(4)}], randomization p ${rand.pValue.toFixed(3)}`;
console.log(`${table}\n\n${diff}\n\n${dependence}`);
const md = `# ${b} against ${a}: SciFact exact kNN (${judged.length} ${args.split} claims, ${data.corpus.length} documents)\n\n${table}\n\n${diff}\n\nBatch dependence (MiniLM, in-process): ${dependence}\n`;
for (const f of await writeReport(args['report-dir'], 'int8-quality', { encoders, split: args.split, queries: judged.length, documents: data.corpus.length, rows, paired: { ...boot, randomizationP: rand.pValue }, batchDependence }, md)) console.error(`report: ${f}`);
