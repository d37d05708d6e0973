/**
 * Indexing throughput with the transformer: product titles (the fashion catalog's 999 display names) and SciFact
 * title + abstract (5,183, with passage vectors for long abstracts), each into a throwaway index through
 * `indexDocuments` with the service's pool (2 workers), docs/s and the time split: clean (main thread),
 * tokenise (the same texts through the tokenizer in-process, one core: it runs inside the encode stage),
 * encode (waiting for the workers), pack, bulk. Stages overlap, so the split adds up to more than the wall time.
 *
 *   flock -x /work/locks/bench.lock npx tsx training/bench/index-speed.ts [--encoders text/minilm,text/chargram]
 *     [--sets titles,scifact] [--limit N] [--out reports/bench-index-speed.json]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { createProductIndex } from '../../service/es/indices.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { embeddingText, prepareDocument } from '../../service/indexing/prepare.ts';
import { documentPassages } from '../../service/usecases/passages.ts';
import { loadTokenizer } from '../../service/models/tokenizer.ts';
import { modelDir } from '../../service/models/paths.ts';
import { MINILM } from '../../service/models/prepare-minilm.ts';
import type { CatalogRow } from '../../service/catalog/read.ts';
import { readBeirCorpus } from '../data/beir.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';
import { beirRows } from './beir-rows.ts';

exitWithHelpIfAsked(import.meta.url);
const SHARED = path.resolve(import.meta.dirname, '../../../shared/data');
const { values: args } = parseArgs({
  options: {
    encoders: { type: 'string', default: 'text/minilm,text/chargram' },
    sets: { type: 'string', default: 'titles,scifact' },
    limit: { type: 'string' },
    out: { type: 'string', default: 'reports/bench-index-speed.json' },
  },
});
const encoders = args.encoders.split(',').map((s) => s.trim());
const limit = args.limit ? Number(args.limit) : Infinity;
const config = loadConfig();

async function titles(): Promise<CatalogRow[]> {
  const lines = (await readFile(path.join(SHARED, 'fashion-products', 'styles.csv'), 'utf8')).trim().split('\n').slice(1);
  return lines.slice(0, limit).map((l, i) => {
    const f = l.split(',');
    return { line: i + 2, ok: true as const, doc: { id: f[0]!, title: f.slice(9).join(',').trim(), category: `${f[2]}/${f[3]}/${f[4]}`.toLowerCase() } as never };
  });
}

async function scifact(): Promise<CatalogRow[]> {
  const corpus = [];
  for await (const d of readBeirCorpus(path.join(SHARED, 'scifact'))) if (corpus.push(d) >= limit) break;
  return beirRows(corpus);
}

const pool = createEncoderPool({ threads: config.pool.threads, maxQueue: 100_000, context: encoderContext(config) });
for (const e of encoders) await pool.warm(e);
const es = createEsClient({ url: config.es.url, timeoutMs: 120_000 });
const tok = await loadTokenizer(modelDir(config.modelsDir, MINILM.name));
const results: Record<string, unknown> = {};
for (const set of args.sets.split(',')) {
  const rows = set === 'titles' ? await titles() : await scifact();
  // What the encode stage tokenises: document texts and passages, through the same tokenizer, timed in-process.
  const docs = rows.map((r) => (r.ok ? prepareDocument(r.doc).doc : undefined)).filter((d) => d !== undefined);
  const texts = docs.flatMap((d) => {
    const ps = documentPassages(d);
    return [embeddingText(d), ...(ps.length > 1 ? ps.map((p) => p.text) : [])];
  });
  const t0 = performance.now();
  let tokens = 0;
  for (const t of texts) tokens += tok.encode(t).tokens.length;
  const tokenizeMs = performance.now() - t0;
  const index = `bench-speed-${set}-${Date.now()}`;
  await createProductIndex(es, index, { encoders });
  const load = os.loadavg()[0]!;
  const report = await indexDocuments(rows, { client: es, pool, index, encoders, refresh: true });
  await es.indices.delete({ index });
  const rate = report.indexed / report.seconds;
  const t = report.timings;
  results[set] = { documents: report.indexed, texts: texts.length, tokens, docsPerSec: rate, seconds: report.seconds, timings: { ...t, tokenizeMs }, loadAverage: load };
  console.log(
    `${set}: ${report.indexed} documents (${texts.length} texts, ${tokens} tokens) in ${report.seconds.toFixed(1)} s = ${rate.toFixed(1)} docs/s (load ${load.toFixed(1)}); ` +
      `clean ${(t.cleanMs / 1000).toFixed(1)} s, tokenise ${(tokenizeMs / 1000).toFixed(1)} s (in-process, inside encode), encode ${(t.encodeMs / 1000).toFixed(1)} s, pack ${(t.packMs / 1000).toFixed(1)} s, bulk ${(t.bulkMs / 1000).toFixed(1)} s`,
  );
}
await pool.close();
await es.close();
await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
await writeFile(args.out, `${JSON.stringify({ date: new Date().toISOString(), encoders, minilmVariant: config.models.minilmVariant, threads: config.pool.threads, results }, null, 2)}\n`);
console.log(`report: ${args.out}`);
