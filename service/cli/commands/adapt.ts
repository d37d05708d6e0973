/**
 * `strata adapt`: a query-side adapter of an index's kNN encoder, trained on judgments (usually `strata synth`
 * output) with an in-batch contrastive loss, written to `<heads dir>/adapters/<name>.json` and, with `--attach`,
 * named in the index's tuning so the service applies it to query vectors (kNN, features, heads).
 *
 * @example
 *   strata synth --data ../shared/data/scifact --index scifact-text_minilm-text_chargram --out reports/synth-scifact.jsonl
 *   strata adapt --judgments reports/synth-scifact.jsonl --index scifact-text_minilm-text_chargram --name scifact --attach
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { loadJudgedSplit } from '../../../training/data/judged-split.ts';
import { adapt } from '../../../training/adapt/adapt.ts';
import { markdownTable, progress, writeReport } from '../../../training/report/write.ts';
import { openRuntime, textEncodersOf } from '../../../training/runtime.ts';
import { gradesOption, judgmentColumnsOption, localDataInputs, queriesOption, type JudgmentFlags } from '../judgment-options.ts';

interface AdaptOpts extends JudgmentFlags {
  data?: string;
  judgments?: string;
  split: string;
  useSplit: boolean;
  index: string;
  encoder?: string;
  name: string;
  rank: string;
  epochs: string;
  batch: string;
  lr: string;
  temperature: string;
  decay: string;
  titleQueries: boolean;
  devFraction: string;
  seed: string;
  attach?: boolean;
  outDir: string;
  reportDir: string;
}

/** Adds `adapt`. */
export function register(program: Command, config: Config): void {
  program
    .command('adapt')
    .description("train a query-side low-rank adapter of an index's kNN encoder on (synthetic) judgments; --attach makes the index use it")
    .option('--judgments <file>', 'judgments CSV/JSONL (query_id, query, doc_id, grade[, split]), e.g. from `strata synth`')
    .addOption(judgmentColumnsOption())
    .addOption(gradesOption())
    .addOption(queriesOption())
    .option('--data <dir>', 'a BEIR folder giving queries and judgments (real ones)')
    .option('--split <name>', 'qrels split of --data', 'train')
    .option('--no-use-split', 'ignore the split column of --judgments and split queries at random')
    .requiredOption('--index <alias>', 'the index whose document vectors the adapter is trained against')
    .option('--encoder <id>', 'the encoder to adapt (default: the index kNN encoder)')
    .requiredOption('--name <name>', 'adapter name (artifact <out-dir>/<name>.json)')
    .option('--rank <n>', 'rank of the residual map', '32')
    .option('--epochs <n>', 'epochs (the best on dev is kept; 0 = no adapter)', '10')
    .option('--batch <n>', 'examples per batch (in-batch negatives)', '64')
    .option('--lr <x>', 'Adam learning rate', '0.001')
    .option('--temperature <x>', 'softmax temperature of the contrastive loss', '0.05')
    .option('--decay <x>', 'weight decay pulling the map toward the identity', '0.001')
    .option('--no-title-queries', "leave out the corpus' titles as queries for their own documents")
    .option('--dev-fraction <f>', 'dev share when the judgments carry no split', '0.2')
    .option('--seed <n>', 'split and initialisation seed', '13')
    .option('--attach', "name the adapter in the index's tuning when its dev gain over no adapter is significant (95 % paired-bootstrap interval above 0)")
    .option('--out-dir <dir>', 'where adapters are written (the service reads <heads dir>/adapters)', path.join(config.headsDir, 'adapters'))
    .option('--report-dir <dir>', 'where reports are written', 'reports')
    .action(async (o: AdaptOpts) => {
      o = await localDataInputs(o, config.cacheDir);
      const { source, split } = await loadJudgedSplit(o);
      const rt = openRuntime(config, { adaptersDir: o.outDir });
      try {
        const encoder = o.encoder ?? (await textEncodersOf(rt.es, o.index, undefined, config.retrieval.textEncoders))[0]!;
        const bar = progress('');
        const r = await adapt({
          client: rt.es,
          queryEmbedder: rt.queryEmbedder,
          index: o.index,
          encoder,
          queries: source.queries,
          qrels: source.qrels,
          trainIds: split.train,
          devIds: split.dev,
          titleQueries: o.titleQueries,
          name: o.name,
          adaptersDir: o.outDir,
          attach: !!o.attach,
          rank: Number(o.rank),
          epochs: Number(o.epochs),
          batchSize: Number(o.batch),
          learningRate: Number(o.lr),
          temperature: Number(o.temperature),
          decay: Number(o.decay),
          seed: Number(o.seed),
          log: (m) => console.error(m),
          onProgress: (what, done, total) => bar(done, total, what),
        });
        const table = markdownTable(['epoch', 'loss', 'dev nDCG@10 (exact kNN)'], r.devNdcg10.map((s, e) => [e === 0 ? '0 (no adapter)' : String(e), e === 0 ? '-' : (r.losses[e - 1] ?? NaN), s ?? NaN]), 4);
        const g = r.devGain;
        const gain = `dev gain over no adapter ${g.meanDiff >= 0 ? '+' : ''}${g.meanDiff.toFixed(4)} [95 % CI ${g.lower.toFixed(4)}, ${g.upper.toFixed(4)}], p ${g.pValue.toFixed(3)}`;
        console.log(`${table}\nbest epoch ${r.bestEpoch}; ${gain}; adapter ${r.file}${r.attached ? `; attached to index "${o.index}"` : o.attach ? '; not attached' : ''}`);
        const { down: _d, up: _u, ...meta } = r.artifact;
        const md = `# adapt ${o.name} (${encoder} on ${o.index})\n\n${r.examples} examples (${r.titleExamples} from titles)\n\n${table}\n\nBest epoch ${r.bestEpoch}; ${gain}; ${r.attached ? 'attached' : 'not attached'}.\n`;
        for (const f of await writeReport(o.reportDir, `adapt-${o.name}`, { ...meta, file: r.file, attached: r.attached }, md)) console.error(`report: ${f}`);
      } finally {
        await rt.close();
      }
    });
}
