/**
 * `strata synth`: synthetic judgments from a corpus (domain adaptation without judgments), to train heads with
 * `strata train rerank --judgments <file>`.
 *
 * @example
 *   strata synth --data ../shared/data/scifact --index scifact-text_minilm-text_chargram --out reports/synth-scifact.jsonl --max-docs 1500
 *   strata models convert ./models/ms-marco-MiniLM-L-6-v2 && strata synth ... --teacher ./models/ms-marco-MiniLM-L-6-v2
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { readSynthDocs, synthesize } from '../../../training/synth/synth.ts';
import { markdownTable, progress, writeReport } from '../../../training/report/write.ts';
import { openRuntime, textEncodersOf } from '../../../training/runtime.ts';
import { crossEncoderTeacher, ensembleTeacher, type WindowTeacher } from '../../../training/synth/teacher.ts';
import { loadCrossEncoder, type CrossEncoder } from '../../models/cross-encoder.ts';
import { columnsFrom, mapOption, unmappedOption, type ColumnFlags } from '../column-options.ts';

interface SynthOpts extends ColumnFlags {
  data: string;
  index: string;
  out: string;
  encoders?: string;
  perDoc: string;
  maxDocs: string;
  negatives: string;
  dropRarest: string;
  easyShare: string;
  devFraction: string;
  hardDev: boolean;
  teacher: string;
  teacherThreads: string;
  teacherBatch: string;
  seed: string;
  window: string;
  concurrency: string;
  reportDir: string;
}

/** Adds `synth`. */
export function register(program: Command, config: Config): void {
  program
    .command('synth')
    .description('pseudo-queries from documents, labelled by a teacher over first-stage candidates, written as judgments (JSONL)')
    .requiredOption('--data <source>', 'a BEIR folder (corpus.jsonl) or a catalog file (JSONL, JSON array, CSV/TSV, Parquet; or an http(s) URL, downloaded once)')
    .requiredOption('--index <alias>', 'the index holding those documents')
    .requiredOption('--out <file>', 'judgments JSONL to write')
    .addOption(mapOption())
    .addOption(unmappedOption())
    .option('--encoders <ids>', 'text encoders of the index, kNN encoder first (default: from the index mapping)')
    .option('--per-doc <n>', 'pseudo-queries per document', '1')
    .option('--max-docs <n>', 'documents sampled (0: all)', '0')
    .option('--negatives <n>', 'hard negatives written per query', '10')
    .option('--drop-rarest <n>', 'rarest words left out of key-sentence queries (harder, less lexical queries)', '0')
    .option('--easy-share <x>', 'largest share of queries whose source the first stage ranks first (1: keep all)', '1')
    .option('--dev-fraction <f>', 'share of documents held out: their queries are the dev split (`split` column; train rerank uses it)', '0.2')
    .option('--no-hard-dev', 'keep dev queries as generated (default: rarest word and others dropped, order shuffled)')
    .option('--teacher <name|dir>', 'teacher: `ensemble` (dense + BM25 of the stack itself), or a cross-encoder folder converted with `strata models convert <dir>`', 'ensemble')
    .option('--teacher-threads <n>', 'onnxruntime threads of the cross-encoder teacher', String(os.availableParallelism()))
    .option('--teacher-batch <n>', '(query, document) pairs per cross-encoder run', '16')
    .option('--seed <n>', 'sampling seed', '13')
    .option('--window <n>', 'first-stage window', String(config.retrieval.window))
    .option('--concurrency <n>', 'queries in flight', '4')
    .option('--report-dir <dir>', 'where the report is written', 'reports')
    .action(async (o: SynthOpts) => {
      o = { ...o, data: await (await import('../remote-file.ts')).localCopy(o.data, { cacheDir: config.cacheDir }) };
      // The cross-encoder is loaded first so a wrong folder fails before the first stage runs.
      const crossEncoder: CrossEncoder | undefined =
        o.teacher === 'ensemble' ? undefined : await loadCrossEncoder(path.resolve(o.teacher), { intraOpThreads: Number(o.teacherThreads), batchSize: Number(o.teacherBatch) });
      const { docs, invalid } = await readSynthDocs(o.data, columnsFrom(o));
      console.error(`${docs.length} documents${invalid ? ` (${invalid} invalid rows skipped)` : ''}`);
      const rt = openRuntime(config);
      try {
        const encoders = await textEncodersOf(rt.es, o.index, o.encoders, config.retrieval.textEncoders);
        let teacher: WindowTeacher = ensembleTeacher(encoders);
        if (crossEncoder) {
          const texts = new Map(docs.map((d) => [d.id, [d.title, d.text].filter(Boolean).join('\n')]));
          const scorer = crossEncoderTeacher(crossEncoder, (id) => texts.get(id), `cross-encoder ${o.teacher}`);
          let windows = 0;
          let last = 0;
          teacher = {
            name: scorer.name,
            async score(w) {
              const scores = await scorer.score(w);
              windows++;
              if (Date.now() - last > 1000) {
                last = Date.now();
                process.stderr.write(`\rcross-encoder teacher: ${windows} windows`);
              }
              return scores;
            },
          };
        }
        const report = await synthesize({
          client: rt.es,
          pool: rt.pool,
          queryEmbedder: rt.queryEmbedder,
          index: o.index,
          encoders,
          window: Number(o.window),
          rrfK: config.retrieval.rrfK,
          docs,
          out: o.out,
          perDoc: Number(o.perDoc),
          maxDocs: Number(o.maxDocs),
          negatives: Number(o.negatives),
          dropRarest: Number(o.dropRarest),
          easyShare: Number(o.easyShare),
          devFraction: Number(o.devFraction),
          hardDev: o.hardDev,
          tuning: rt.tuning,
          seed: Number(o.seed),
          concurrency: Number(o.concurrency),
          teacher,
          onProgress: progress(crossEncoder ? 'first stage' : 'first stage + teacher'),
        });
        if (crossEncoder) process.stderr.write('\n');
        const table = markdownTable(
          ['documents', 'queries', 'written (train / dev)', 'source missed', 'easy dropped', 'source @1', 'source @10', 'mean source rank', 'positives', 'hard negatives', 'ambiguous (ignored)'],
          [[report.documents, report.queries, `${report.written} (${report.splits.train} / ${report.splits.dev})`, report.sourceMissed, report.easyDropped, report.sourceRank.top1, report.sourceRank.top10, report.sourceRank.mean, report.judgments.positive, report.judgments.negative, report.judgments.ignored]],
          2,
        );
        const examples = markdownTable(['strategy', 'query', 'source'], report.examples.map((e) => [e.strategy, e.query, e.doc_id]));
        console.log(`${table}\n${examples}`);
        console.log(`judgments: ${o.out}`);
        for (const f of await writeReport(o.reportDir, 'synth', { data: o.data, index: o.index, encoders, teacher: teacher.name, out: o.out, ...report }, `# synth\n\n${table}\n${examples}`)) console.error(`report: ${f}`);
      } finally {
        await rt.close();
        await crossEncoder?.dispose();
      }
    });
}
