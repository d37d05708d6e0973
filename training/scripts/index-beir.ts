/**
 * Indexes a BEIR corpus into `<prefix>-<encoders>` and resumes: documents already in the index are skipped, so an
 * interrupted run (Elasticsearch restarted under it) continues where it stopped instead of starting over.
 *
 *   npx tsx training/scripts/index-beir.ts --data ../shared/data/scifact --encoders text/minilm,text/chargram
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { ensureIndex } from '../../service/es/indices.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { beirRows } from '../bench/beir-rows.ts';
import { readBeirCorpus, type BeirDoc } from '../data/beir.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../../shared/data/scifact') },
    encoders: { type: 'string', default: 'text/minilm,text/chargram' },
    prefix: { type: 'string', default: 'scifact' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npx tsx training/scripts/index-beir.ts [--data DIR] [--encoders a,b] [--prefix scifact]');
  process.exit(0);
}
const config = loadConfig();
const encoders = args.encoders.split(',').map((s) => s.trim()).filter(Boolean);
const alias = `${args.prefix}-${encoders.map((e) => e.replace(/\W+/g, '_')).join('-')}`;
const es = createEsClient({ url: config.es.url, timeoutMs: 120_000 });
const pool = createEncoderPool({ threads: config.pool.threads, maxQueue: 16_384, context: encoderContext(config) });
try {
  await ensureIndex(es, alias, { encoders });
  const have = new Set<string>();
  let page = await es.search({ index: alias, size: 5000, _source: false, scroll: '1m', query: { match_all: {} } });
  while (page.hits.hits.length) {
    for (const h of page.hits.hits) have.add(h._id!);
    page = await es.scroll({ scroll_id: page._scroll_id!, scroll: '1m' });
  }
  const corpus: BeirDoc[] = [];
  for await (const d of readBeirCorpus(args.data)) if (!have.has(d.id)) corpus.push(d);
  console.error(`${alias}: ${have.size} documents present, ${corpus.length} to index`);
  if (corpus.length) {
    const report = await indexDocuments(beirRows(corpus), {
      client: es,
      pool,
      index: alias,
      encoders,
      refresh: true,
      onProgress: (p) => process.stderr.write(`\rindexing ${p.indexed}/${corpus.length}`),
    });
    process.stderr.write('\n');
    console.log(`indexed ${report.indexed} in ${report.seconds.toFixed(1)} s; dropped ${report.dropped.length}, invalid ${report.invalid.length}`);
  }
  console.log(`${alias}: ${(await es.count({ index: alias })).count} documents`);
} finally {
  await pool.close();
  await es.close();
}
