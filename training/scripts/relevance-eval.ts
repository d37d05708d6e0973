/**
 * Relevance side by side on one index (training/rerank/eval-relevance.ts): BM25 (fitted, equal and title^3
 * boosts), kNN with and without the index's query adapter, plain RRF, the fitted fusion, MiniLM cosine over the
 * window, and each head by id and inline (objects and strings), with 95 % bootstrap CIs and paired differences
 * (95 % paired-bootstrap CI, randomization p). Judged queries: the dev split of a BEIR folder (the same
 * `--dev-fraction`/`--seed` split `train rerank` makes) or the dev split of a judgments file (`strata synth`).
 *
 *   npx tsx training/scripts/relevance-eval.ts --data ../shared/data/scifact --index scifact-text_minilm-text_chargram \
 *     --heads scifact-xgb,scifact-inline-xgb,synth-xgb,default --heads-dir reports/heads --report relevance-scifact
 *   npx tsx training/scripts/relevance-eval.ts --judgments reports/synth-fashion.jsonl --index fashion --heads ... --report relevance-fashion
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { featureNames } from '../../service/features/assemble.ts';
import { openHeadStore } from '../../service/heads/store.ts';
import { loadBeir, splitQueries } from '../data/beir.ts';
import { readJudgments } from '../data/judgments.ts';
import { formatCi, formatDiff } from '../eval/compare.ts';
import { evaluateRelevance } from '../rerank/eval-relevance.ts';
import { markdownTable, progress, writeReport } from '../report/write.ts';
import { list, openRuntime, textEncodersOf } from '../runtime.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';

exitWithHelpIfAsked(import.meta.url);
const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    judgments: { type: 'string' },
    split: { type: 'string', default: 'train' },
    index: { type: 'string' },
    encoders: { type: 'string' },
    heads: { type: 'string', default: 'default' },
    'heads-dir': { type: 'string', default: 'reports/heads' },
    window: { type: 'string', default: '100' },
    'dev-fraction': { type: 'string', default: '0.2' },
    seed: { type: 'string', default: '13' },
    report: { type: 'string', default: 'relevance' },
    'report-dir': { type: 'string', default: 'reports' },
  },
});
if (!a.index || !a.data === !a.judgments) throw new Error('give --index and exactly one of --data <beir dir> or --judgments <file> (see --help)');
const config = loadConfig();
const source = a.data ? await loadBeir(a.data, { split: a.split }) : await readJudgments(a.judgments!);
const judged = [...source.qrels.keys()].filter((id) => source.queries.has(id) && [...source.qrels.get(id)!.values()].some((g) => g > 0));
const ids = 'splits' in source && source.splits.size ? judged.filter((id) => source.splits.get(id) === 'dev') : splitQueries(judged, { devFraction: Number(a['dev-fraction']), seed: Number(a.seed) }).dev;
const rt = openRuntime(config);
try {
  const encoders = await textEncodersOf(rt.es, a.index, a.encoders, config.retrieval.textEncoders);
  const heads = await openHeadStore({ dir: path.resolve(a['heads-dir']), rerankFeatures: featureNames({ textEncoders: encoders }) });
  for (const r of heads.refused()) console.error(`refused: ${r.file}: ${r.error}`);
  const headNames = list(a.heads);
  console.error(`${ids.length} dev queries on ${a.index}; heads ${headNames.join(', ')}`);
  const bar = progress('');
  const t0 = performance.now();
  const result = await evaluateRelevance({
    client: rt.es,
    pool: rt.pool,
    queryEmbedder: rt.queryEmbedder,
    tuning: rt.tuning,
    index: a.index,
    encoders,
    queries: source.queries,
    qrels: source.qrels,
    ids,
    heads,
    headNames,
    window: Number(a.window),
    rrfK: config.retrieval.rrfK,
    seed: Number(a.seed),
    onProgress: (what, done, total) => bar(done, total, what),
  });
  heads.close();
  const table = markdownTable(
    ['system', 'served by', 'nDCG@10 [95 % CI]', 'MRR@10', 'R@100', 'paired Δ nDCG@10 [95 % CI], p'],
    result.rows.map((r) => [r.system, result.served[r.system] ?? '', formatCi(r.ndcg10), r.mrr10, r.recall100, r.diffs.map((d) => `vs ${d.baseline}: ${formatDiff(d)}`).join('<br>')]),
  );
  const what = a.data ? `${path.basename(a.data)} dev (${ids.length} queries, seed ${a.seed})` : `${path.basename(a.judgments!)} dev split (${ids.length} synthetic queries)`;
  const header = `index \`${a.index}\`; BM25 ${result.tuning.bm25}; fusion ${result.tuning.fusion}; adapter ${result.tuning.adapter ?? 'none'}; window ${a.window}`;
  console.log(`# ${a.report}: ${what}\n\n${header}\n\n${table}`);
  const json = { data: a.data ?? a.judgments, index: a.index, encoders, queries: ids.length, tuning: result.tuning, served: result.served, rows: result.rows, seconds: (performance.now() - t0) / 1000, date: new Date().toISOString() };
  for (const f of await writeReport(a['report-dir'], a.report, json, `# ${a.report}: ${what}\n\n${header}\n\n${table}`)) console.error(`report: ${f}`);
} finally {
  await rt.close();
}
