/**
 * `strata index <file>`: validate, clean, embed and bulk-index a catalog file, with a progress bar on a TTY (a
 * plain line every few seconds otherwise) and a report of every row that was not indexed. Exits non-zero when a
 * row was invalid (unless --skip-invalid) or a document was refused by Elasticsearch.
 *
 * The indexing modules (Elasticsearch client, encoder pool) are imported when the command runs, not when it is
 * registered, so `strata index --help` is quick.
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../../config.ts';
import type { IndexReport } from '../../indexing/index-documents.ts';
import type { VectorIndexType } from '../../../mappings/products.ts';
import { plainProgress } from '../progress.ts';
import { suggestMap, unknownColumnsOf } from '../../catalog/columns.ts';
import { columnsFrom, mapOption, unmappedOption, type ColumnFlags } from '../column-options.ts';

interface IndexFlags extends ColumnFlags {
  index: string;
  refreshDownload?: boolean;
  skipInvalid?: boolean;
  report?: string;
  refresh?: boolean;
  reindex?: boolean;
  batchSize: string;
  vectorIndex: VectorIndexType;
  encoders?: string;
  retryFor: string;
  checkpoint: string;
  resume?: boolean;
  progressEvery: number;
  shards?: number;
  replicas?: number;
}

/** A shard or replica count from the command line. */
const count = (min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > 1024) throw new InvalidArgumentError(`expected a whole number from ${min} to 1024, got "${value}"`);
  return n;
};

/** A non-negative number of seconds from the command line. */
function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of seconds >= 0, got "${value}"`);
  return n;
}

/** Prints the first problems of a report, each with its line and field. */
function printProblems(report: IndexReport, limit = 20): void {
  const lines = [
    ...report.invalid.map((r) => `  line ${r.line}${r.id ? ` (id ${r.id})` : ''}: ${r.errors.join('; ')}`),
    ...report.dropped.map((d) => `  id ${d.id}: refused by Elasticsearch (${d.status}) ${d.error}`),
    ...report.encodeErrors.map((e) => `  id ${e.id}: ${e.encoder} could not embed it: ${e.message}`),
  ];
  for (const l of lines.slice(0, limit)) console.error(l);
  if (lines.length > limit) console.error(`  ... and ${lines.length - limit} more (see the report file)`);
}

export function register(program: Command, config: Config): void {
  program
    .command('index')
    .description('index a catalog file (.jsonl, .json, .csv, .tsv, .parquet) into Elasticsearch')
    .argument('<file>', 'catalog file: JSON Lines (or one JSON array), CSV/TSV with a header row, optionally gzipped (.jsonl.gz, .csv.gz), or Parquet; a BEIR folder (corpus.jsonl); or an http(s) URL of a file, downloaded once into the cache')
    .option('--refresh-download', 'with a URL: download it again instead of reading the copy from an earlier run')
    .option('-i, --index <name>', 'index alias to write to', config.service.index)
    .option('--skip-invalid', 'index the valid rows and exit 0 even when some rows are invalid')
    .option('--report <file>', 'where to write the JSON report of rows not indexed', 'strata-index-report.json')
    .option('--refresh', 'make the documents searchable before returning (refresh=wait_for)')
    .option('--reindex', 'build a new index and swap the alias to it when done (blue/green)')
    .option('--batch-size <n>', 'documents per embedding batch', '64')
    .option('--encoders <ids>', 'comma-separated encoders: text ones embed the text, image/mobilenet the image field', config.retrieval.textEncoders.join(','))
    .addOption(new Option('--vector-index <type>', 'vector quantisation').choices(['int8_hnsw', 'bbq_hnsw', 'hnsw']).default('int8_hnsw'))
    .option('--retry-for <seconds>', 'keep retrying this long while Elasticsearch does not answer', '300')
    .option('--checkpoint <file>', 'progress file: the line before which every row is done (removed when the run completes)', '.strata-index.checkpoint.json')
    .option('--resume', 'skip the rows an interrupted run with the same file and index already finished (from --checkpoint)')
    .addOption(new Option('--progress-every <seconds>', 'when stderr is not a terminal: seconds between progress lines').default(5).argParser(seconds))
    .addOption(mapOption())
    .addOption(unmappedOption())
    .option('--shards <n>', 'primary shards of a new index (default 1, right for one node; fixed once created: change it with --reindex)', count(1))
    .option('--replicas <n>', 'copies of each shard on other nodes (default 0, right for one node; 1 on a cluster keeps every shard through a node loss)', count(0))
    .action(async (given: string, flags: IndexFlags) => {
      const { localCopy } = await import('../remote-file.ts');
      const file = await localCopy(given, { cacheDir: config.cacheDir, refresh: flags.refreshDownload === true });
      const { readCheckpoint, removeCheckpoint, writeCheckpoint } = await import('../../indexing/progress-checkpoint.ts');
      const { applyLayout } = await import('../../es/index-layout.ts');
      const [{ default: cliProgress }, { encoderContext }, { catalogColumns, checkCatalogFile, readCatalogFile }, { createEsClient }, indices, { createEncoderPool }, { indexDocuments }] = await Promise.all([
        import('cli-progress'),
        import('../../encoders/registry.ts'),
        import('../../catalog/read.ts'),
        import('../../es/client.ts'),
        import('../../es/indices.ts'),
        import('../../pool/pool.ts'),
        import('../../indexing/index-documents.ts'),
      ]);
      const { ensureIndex, createProductIndex, swapAlias, versionedName } = indices;
      // A BEIR folder (corpus.jsonl with _id, title, text) is indexed as a catalog: text as the description, an
      // untitled document titled by its first words. Progress is tied to its corpus.jsonl.
      const corpus = path.join(path.resolve(file), 'corpus.jsonl');
      const beir = (await stat(path.resolve(file)).then((i) => i.isDirectory(), () => false)) && (await stat(corpus).then((i) => i.isFile(), () => false));
      if (beir && (flags.map.length || flags.unmapped !== 'error')) throw new Error('--map and --unmapped apply to catalog files; a BEIR folder is read as _id, title, text');
      // A wrong path or format fails here, before an index or a checkpoint exists.
      if (!beir) await checkCatalogFile(path.resolve(file));
      const progressFile = beir ? corpus : file;
      const columns = { ...columnsFrom(flags), seen: new Set<string>() };
      const encoders = (flags.encoders ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const es = createEsClient({ url: config.es.url, timeoutMs: config.es.timeoutMs });
      const pool = createEncoderPool({ threads: config.pool.threads, maxQueue: config.pool.maxQueue, context: encoderContext(config) });
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar(
            { format: 'indexing {value} docs | {rate} docs/s | {invalid} invalid | {duration}s', stream: process.stderr },
            cliProgress.Presets.shades_classic,
          )
        : null;
      const plain = bar
        ? null
        : plainProgress({ label: 'indexing', everyMs: flags.progressEvery * 1000, write: (line) => console.error(line) });
      try {
        const saved = flags.resume ? await readCheckpoint(flags.checkpoint, progressFile) : {};
        if (flags.resume && !saved.checkpoint) throw new Error(`cannot resume: ${saved.reason}`);
        const layout = { ...(flags.shards !== undefined ? { shards: flags.shards } : {}), ...(flags.replicas !== undefined ? { replicas: flags.replicas } : {}) };
        // A resumed blue/green run goes on writing into the index it had created.
        const target = saved.checkpoint
          ? saved.checkpoint.index
          : flags.reindex
            ? versionedName(flags.index)
            : await ensureIndex(es, flags.index, { encoders, vectorIndex: flags.vectorIndex, ...layout });
        if (flags.reindex && !saved.checkpoint) await createProductIndex(es, target, { encoders, vectorIndex: flags.vectorIndex, ...layout });
        else for (const change of await applyLayout(es, target, layout)) console.log(change);
        if (saved.checkpoint) console.log(`resuming after line ${saved.checkpoint.line} (${saved.checkpoint.indexed} documents indexed before) into ${target}`);
        const started = Date.now();
        bar?.start(0, 0, { rate: 0, invalid: 0 });
        const rows = beir ? (await import('../../../training/bench/beir-rows.ts')).beirCatalogRows(path.resolve(file)) : readCatalogFile(path.resolve(file), { columns });
        const report = await indexDocuments(rows, {
          client: es,
          pool,
          index: target,
          encoders,
          batchSize: Number(flags.batchSize),
          imageBase: path.dirname(path.resolve(file)),
          refresh: flags.refresh ? 'wait_for' : true,
          maxFieldChars: config.service.maxFieldChars,
          retryForMs: Number(flags.retryFor) * 1000,
          ...(saved.checkpoint ? { resumeAfterLine: saved.checkpoint.line } : {}),
          onCheckpoint: (p) => writeCheckpoint(flags.checkpoint, { file: progressFile, index: target, ...p }),
          onRetry: (attempt, waitMs, err) =>
            console.error(`Elasticsearch did not answer (${(err as Error).message.split('\n')[0]!.slice(0, 120)}); retry ${attempt} in ${(waitMs / 1000).toFixed(1)} s`),
          onProgress: (p) => {
            const rate = Math.round(p.indexed / Math.max(0.001, (Date.now() - started) / 1000));
            bar?.setTotal(p.read);
            bar?.update(p.indexed, { rate, invalid: p.invalid });
            plain?.update({ done: p.indexed, text: `${p.read} rows read, ${p.indexed} indexed, ${p.invalid} invalid, ${rate} docs/s` });
          },
        });
        bar?.stop();
        plain?.flush();
        if (flags.reindex) {
          const old = await swapAlias(es, flags.index, target);
          console.log(`alias ${flags.index} -> ${target}${old.length ? ` (removed ${old.join(', ')})` : ''}`);
        }
        await removeCheckpoint(flags.checkpoint);
        const rate = report.indexed / Math.max(report.seconds, 0.001);
        const t = report.timings;
        console.log(`indexed ${report.indexed} documents into ${flags.index} in ${report.seconds.toFixed(1)} s (${rate.toFixed(0)} docs/s)`);
        console.log(
          `time: clean ${(t.cleanMs / 1000).toFixed(1)} s, encode ${(t.encodeMs / 1000).toFixed(1)} s, pack ${(t.packMs / 1000).toFixed(1)} s, bulk ${(t.bulkMs / 1000).toFixed(1)} s` +
            ` (stages overlap; wall ${report.seconds.toFixed(1)} s)${report.retries ? `; ${report.retries} bulk retries` : ''}`,
        );
        if (report.truncated.length) console.log(`${report.truncated.length} documents had over-long fields truncated (listed in the report)`);
        const unseen = Object.entries(columns.map ?? {}).filter(([, column]) => !columns.seen.has(column));
        for (const [field, column] of unseen) console.error(`--map ${field}=${column}: no row has a column "${column}"`);
        const problems = report.invalid.length + report.dropped.length + report.encodeErrors.length;
        if (problems > 0 || report.truncated.length > 0) {
          await writeFile(flags.report ?? 'strata-index-report.json', JSON.stringify({ file, index: flags.index, ...report }, null, 2));
        }
        if (problems > 0) {
          console.error(`${report.invalid.length} invalid rows, ${report.dropped.length} refused by Elasticsearch, ${report.encodeErrors.length} not embedded:`);
          printProblems(report);
          const unknown = [...new Set(report.invalid.flatMap((r) => unknownColumnsOf(r.errors)))];
          if (unknown.length) {
            const guess = suggestMap(unknown, beir ? [] : await catalogColumns(path.resolve(file)));
            console.error(
              `columns that are not catalog fields: ${unknown.slice(0, 12).join(', ')}${unknown.length > 12 ? ', ...' : ''}. Map them with --map${guess ? ` (for instance --map ${/\s/.test(guess) ? `'${guess}'` : guess})` : ' field=column'}, and drop or keep the rest with --unmapped ignore|attributes`,
            );
          }
          console.error(`report: ${path.resolve(flags.report ?? 'strata-index-report.json')}`);
          const onlyInvalid = report.dropped.length === 0 && report.encodeErrors.length === 0;
          if (!(flags.skipInvalid && onlyInvalid)) process.exitCode = 1;
        }
      } catch (err) {
        const saved = await readCheckpoint(flags.checkpoint, progressFile).then((r) => r.checkpoint, () => undefined);
        if (saved && saved.line > 0) console.error(`progress is saved in ${flags.checkpoint} (every row up to line ${saved.line} done): run the same command with --resume to carry on`);
        throw err;
      } finally {
        bar?.stop();
        await pool.close();
        await es.close();
      }
    });
}
