/**
 * `strata train fusion`: an index's BM25 field boosts and its fusion of BM25 with kNN, fitted on judgments or
 * synthetic judgments and stored with the index (see service/retrieval/tuning.ts); the dev table compares them
 * with equal boosts, the old `title^3`, plain RRF, BM25 and kNN alone.
 *
 * @example
 *   strata train fusion --data ../shared/data/scifact --index scifact-text_minilm-text_chargram
 *   strata train fusion --judgments reports/synth-fashion.jsonl --index fashion
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { loadJudgedSplit } from '../../training/data/judged-split.ts';
import { formatCi, formatDiff } from '../../training/eval/compare.ts';
import { trainFusion } from '../../training/fusion/train-fusion.ts';
import { markdownTable, progress, writeReport } from '../../training/report/write.ts';
import { openRuntime, textEncodersOf } from '../../training/runtime.ts';
import { gradesOption, judgmentColumnsOption, localDataInputs, queriesOption, type JudgmentFlags } from './judgment-options.ts';

interface FusionOpts extends JudgmentFlags {
  data?: string;
  judgments?: string;
  split: string;
  useSplit: boolean;
  index: string;
  encoders?: string;
  devFraction: string;
  seed: string;
  window: string;
  fitBoosts: boolean;
  write: boolean;
  reportDir: string;
  concurrency: string;
}

/** Adds `train fusion` under `train`. */
export function registerFusion(train: Command, config: Config): void {
  train
    .command('fusion')
    .description("fit an index's BM25 field boosts and BM25/kNN fusion weights on judgments (or synthetic ones) and store them with the index")
    .option('--data <dir>', 'a BEIR folder giving queries and judgments')
    .option('--judgments <file>', 'judgments CSV/JSONL (query_id, query, doc_id, grade[, split]), e.g. from `strata synth`')
    .addOption(judgmentColumnsOption())
    .addOption(gradesOption())
    .addOption(queriesOption())
    .option('--split <name>', 'qrels split of --data', 'train')
    .option('--no-use-split', 'ignore the split column of --judgments and split queries at random')
    .requiredOption('--index <alias>', 'the index (alias) to tune')
    .option('--encoders <ids>', 'text encoders of the index, kNN encoder first (default: from the index mapping)')
    .option('--dev-fraction <f>', 'share of queries held out for the dev report', '0.2')
    .option('--seed <n>', 'split seed', '13')
    .option('--window <n>', 'first-stage window of each list', String(config.retrieval.window))
    .option('--no-fit-boosts', "keep the index's BM25 boosts (or the defaults) and fit the fusion only")
    .option('--no-write', 'report only; leave the index as it is')
    .option('--report-dir <dir>', 'where reports are written', 'reports')
    .option('--concurrency <n>', 'queries in flight', '4')
    .action(async (o: FusionOpts) => {
      o = await localDataInputs(o, config.cacheDir);
      const { source, split } = await loadJudgedSplit(o);
      console.error(`${split.train.length} training queries, ${split.dev.length} dev queries`);
      const rt = openRuntime(config);
      try {
        const encoders = await textEncodersOf(rt.es, o.index, o.encoders, config.retrieval.textEncoders);
        const bar = progress('');
        const result = await trainFusion({
          client: rt.es,
          pool: rt.pool,
          queryEmbedder: rt.queryEmbedder,
          tuning: rt.tuning,
          index: o.index,
          queries: source.queries,
          qrels: source.qrels,
          trainIds: split.train,
          devIds: split.dev,
          encoder: encoders[0]!,
          window: Number(o.window),
          concurrency: Number(o.concurrency),
          fitBoosts: o.fitBoosts,
          write: o.write,
          source: o.data ? `beir:${path.resolve(o.data)} (${o.split})` : `judgments:${path.resolve(o.judgments!)}`,
          log: (m) => console.error(m),
          onProgress: (what, done, total) => bar(done, total, what),
        });
        const table = markdownTable(
          ['system (dev)', 'nDCG@10 [95 % CI]', 'MRR@10', 'R@100', 'paired Δ nDCG@10 [95 % CI] p'],
          result.dev.map((r) => [r.system, formatCi(r.ndcg10), r.mrr10, r.recall100, r.diffs.map((d) => `vs ${d.baseline}: ${formatDiff(d)}`).join('; ')]),
        );
        const t = result.tuning;
        const summary = `boosts ${JSON.stringify(t.bm25?.boosts)} tie_breaker ${t.bm25?.tieBreaker}; fusion ${JSON.stringify({ ...t.fusion, metrics: undefined })}`;
        console.log(`${summary}\n\n${table}\n${result.written ? `stored with index "${o.index}"` : 'not stored (--no-write)'}`);
        const md = `# train fusion ${o.index}\n\n${split.train.length} train / ${split.dev.length} dev queries\n\n${summary}\n\n${table}`;
        for (const f of await writeReport(o.reportDir, `train-fusion-${o.index}`, { index: o.index, ...result, date: new Date().toISOString() }, md)) console.error(`report: ${f}`);
      } finally {
        await rt.close();
      }
    });
}
