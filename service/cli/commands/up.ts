/**
 * `strata up` (what `npm start` runs): the managed Elasticsearch, the demo catalog indexed behind the default
 * alias, and the service, then the URL and a first request to try. Ctrl-C stops the service, and Elasticsearch
 * too when this command started it.
 */
import { encoderContext } from '../../encoders/registry.ts';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { startElasticsearch, stopElasticsearch } from '../../es/manage/index.ts';
import { createEsClient } from '../../es/client.ts';
import { createProductIndex, swapAlias, versionedName } from '../../es/indices.ts';
import { createEncoderPool } from '../../pool/pool.ts';
import { indexDocuments } from '../../indexing/index-documents.ts';
import { readCatalogFile } from '../../catalog/read.ts';
import { start } from '../../app/start.ts';
import { writeDemoCatalog } from '../../../training/demo/make-catalog.ts';
import { untilSignal } from './serve.ts';
import { prepareMiniLM } from '../../models/prepare-minilm.ts';

/** The plugin zip when it has been built (`npm run plugin:build`), so the managed node can load it. */
export function builtPluginZip(root: string): string | undefined {
  const zip = path.join(root, 'plugin', 'target', 'releases', 'strata-plugin.zip');
  return existsSync(zip) ? zip : undefined;
}

/**
 * Indexes the demo catalog into a fresh index and swaps the alias to it (blue/green); returns the count.
 *
 * @example const n = await loadDemo(config, '/tmp/catalog.jsonl'); // 300
 */
export async function loadDemo(config: Config, file: string): Promise<number> {
  const es = createEsClient({ url: config.es.url, timeoutMs: config.es.timeoutMs });
  const pool = createEncoderPool({ threads: config.pool.threads, maxQueue: config.pool.maxQueue, context: encoderContext(config) });
  try {
    const encoders = config.retrieval.textEncoders;
    const target = versionedName(config.service.index);
    await createProductIndex(es, target, { encoders });
    const report = await indexDocuments(readCatalogFile(file), { client: es, pool, index: target, encoders, refresh: true });
    if (report.invalid.length || report.dropped.length) {
      throw new Error(`the demo catalog did not index cleanly: ${JSON.stringify([...report.invalid, ...report.dropped].slice(0, 3))}`);
    }
    await swapAlias(es, config.service.index, target);
    return report.indexed;
  } finally {
    await pool.close();
    await es.close();
  }
}

export function register(program: Command, config: Config): void {
  program
    .command('up')
    .description('start Elasticsearch and the service, and load the demo catalog (what `npm start` runs)')
    .option('--no-demo', 'do not (re)load the demo catalog')
    .action(async (flags: { demo: boolean }) => {
      const root = path.resolve(import.meta.dirname, '../../..');
      const plugin = builtPluginZip(root);
      console.log(`starting Elasticsearch ${config.es.version}${plugin ? ' with the strata plugin' : ''} ...`);
      const esRun = await startElasticsearch(config, plugin ? { plugins: [plugin] } : {});
      console.log(`Elasticsearch ${esRun.alreadyRunning ? 'already running' : 'started'} at ${esRun.url}`);
      if (config.retrieval.textEncoders.some((e) => e.startsWith('text/minilm'))) {
        const prepared = await prepareMiniLM(config, { log: (m: string) => console.log(m) });
        if (!prepared.skipped) console.log(`MiniLM prepared in ${prepared.dir}`);
      }
      if (flags.demo) {
        const file = path.join(config.cacheDir, 'demo', 'catalog.jsonl');
        await mkdir(path.dirname(file), { recursive: true });
        await writeDemoCatalog(file);
        const n = await loadDemo(config, file);
        console.log(`demo catalog: ${n} synthetic products indexed into "${config.service.index}" (${file})`);
      }
      const svc = await start(config);
      console.log(`\nStrata is running at ${svc.url}`);
      console.log(`Web page (search, why this order, weights live, evaluation): ${svc.url}/\n`);
      console.log('Try:');
      console.log(`  curl -s ${svc.url}/v1/search -H 'content-type: application/json' \\`);
      console.log(`    -d '{"query":"quiet dishwasher","filters":{"price":{"lte":800}},"top_k":5}'`);
      console.log(`  curl -s ${svc.url}/readyz\n`);
      console.log('Ctrl-C to stop.');
      await untilSignal();
      await svc.close();
      if (!esRun.alreadyRunning) {
        await stopElasticsearch(config);
        console.log('Elasticsearch stopped.');
      } else {
        console.log(`Elasticsearch left running at ${esRun.url} (it was running before; \`strata es stop\` stops it).`);
      }
    });
}
