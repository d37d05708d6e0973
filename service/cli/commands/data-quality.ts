/**
 * `strata data-quality`: duplicates, empty/short fields, encoding problems, numeric outliers and judgment
 * statistics for a catalog or a BEIR corpus.
 *
 * @example
 *   strata data-quality --data ../shared/data/scifact --split train
 *   strata data-quality --catalog demo/catalog.jsonl --judgments judgments.jsonl
 */
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { readBeirQrels } from '../../../training/data/beir.ts';
import { judgmentFormat, readJudgments } from '../../../training/data/judgments.ts';
import { dataQuality, loadQualityDocs } from '../../../training/quality/report.ts';
import { markdownTable, progress, writeReport } from '../../../training/report/write.ts';
import { openRuntime } from '../../../training/runtime.ts';
import { columnsFrom, mapOption, unmappedOption, type ColumnFlags } from '../column-options.ts';
import { gradesOption, judgmentColumnsOption, localDataInputs, queriesOption, type JudgmentFlags } from '../judgment-options.ts';

interface Opts extends ColumnFlags, JudgmentFlags {
  catalog?: string;
  data?: string;
  split?: string;
  judgments?: string;
  threshold: string;
  near: boolean;
  reportDir: string;
  report: string;
}

/** Adds `data-quality`. */
export function register(program: Command, config: Config): void {
  program
    .command('data-quality')
    .description('exact/near duplicates, empty or short fields, encoding problems, numeric outliers, judgment balance and coverage')
    .option('--catalog <file>', 'a catalog file (JSONL, JSON array, CSV/TSV, Parquet; or an http(s) URL, downloaded once)')
    .addOption(mapOption())
    .addOption(unmappedOption())
    .option('--data <dir>', 'a BEIR folder (corpus.jsonl)')
    .option('--split <name>', 'with --data: also check qrels/<split>.tsv')
    .option('--judgments <file>', 'judgments CSV/JSONL to check against the documents')
    .addOption(judgmentColumnsOption())
    .addOption(gradesOption())
    .addOption(queriesOption())
    .option('--threshold <x>', 'near-duplicate cosine (text/chargram)', '0.95')
    .option('--no-near', 'skip near-duplicate detection (no encoder pool)')
    .option('--report-dir <dir>', 'where reports are written', 'reports')
    .option('--report <name>', 'report name', 'data-quality')
    .action(async (o: Opts) => {
      o = await localDataInputs(o, config.cacheDir);
      if (o.catalog) o = { ...o, catalog: await (await import('../remote-file.ts')).localCopy(o.catalog, { cacheDir: config.cacheDir }) };
      if (!o.catalog === !o.data) throw new Error('give exactly one of --catalog <file> or --data <beir dir>');
      const { docs, invalid } = await loadQualityDocs(o.catalog ? { catalog: o.catalog, columns: columnsFrom(o) } : { data: o.data! });
      const qrels = o.judgments ? (await readJudgments(o.judgments, judgmentFormat(o.judgmentColumns, o.grades, o.queries))).qrels : o.data && o.split ? await readBeirQrels(o.data, { split: o.split }) : undefined;
      const rt = o.near ? openRuntime(config, { es: false }) : undefined;
      try {
        const report = await dataQuality(docs, { ...(rt ? { pool: rt.pool } : {}), threshold: Number(o.threshold), ...(qrels ? { qrels } : {}), cacheDir: config.cacheDir, onProgress: ((bar) => (what: string, done: number, total: number) => bar(done, total, what))(progress('')) });
        const rows: Array<[string, string | number]> = [
          ['documents', report.documents],
          ['invalid rows', invalid.length],
          ['exact duplicate groups', `${report.exactDuplicates.groups} (${report.exactDuplicates.documents} docs)`],
          ['near-duplicate pairs', report.nearDuplicates ? `${report.nearDuplicates.pairs} (cosine >= ${report.nearDuplicates.threshold})` : 'skipped'],
          ...Object.entries(report.fields).flatMap(([f, ps]) => Object.entries(ps).map(([p, v]) => [`${f}: ${p}`, `${v.count} (e.g. ${v.examples.slice(0, 3).join(', ')})`] as [string, string])),
          ...Object.entries(report.numeric).map(([n, v]) => [`${n} outliers (IQR)`, v.count ? `${v.outliers} of ${v.count} outside [${v.low.toFixed(2)}, ${v.high.toFixed(2)}]` : 'no values'] as [string, string]),
        ];
        if (report.judgments) {
          const j = report.judgments;
          rows.push(
            ['judged queries / pairs', `${j.queries} / ${j.pairs}`],
            ['grades', Object.entries(j.grades).map(([g, c]) => `${g}: ${c}`).join(', ')],
            ['positive share', j.positiveShare.toFixed(3)],
            ['positives per query (mean)', j.meanPositivesPerQuery.toFixed(2)],
            ['queries without positives', j.queriesWithoutPositive],
            ['judged docs missing from corpus', `${j.judgedDocsMissingFromCorpus} of ${j.judgedDocs}`],
            ['corpus coverage by judgments', j.corpusCoverage.toFixed(3)],
          );
        }
        const table = markdownTable(['check', 'result'], rows);
        const near = report.nearDuplicates?.examples.length ? `\nnear duplicates (examples):\n\n${markdownTable(['a', 'b', 'cosine'], report.nearDuplicates.examples.map((e) => [e.a, e.b, e.cosine]))}` : '';
        console.log(table + near);
        for (const f of await writeReport(o.reportDir, o.report, { source: o.catalog ?? o.data, invalid: invalid.slice(0, 50), invalidCount: invalid.length, ...report }, `# data quality: ${o.catalog ?? o.data}\n\n${table}${near}`)) console.error(`report: ${f}`);
      } finally {
        await rt?.close();
      }
    });
}
