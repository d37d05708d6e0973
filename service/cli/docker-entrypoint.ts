/**
 * The service image's entrypoint (Dockerfile: `node --import tsx service/cli/docker-entrypoint.ts`): waits until
 * Elasticsearch answers with yellow/green health, loads the demo catalog into `STRATA_INDEX` the first time only
 * (the alias is the marker: it is set after the last document, so a start interrupted mid-way loads again),
 * then serves until SIGTERM. Every step prints one line, so `docker compose logs strata` tells where it is.
 *
 * `--es-password-file FILE` reads the `elastic` user's password from a file (docker-compose.yml shares the one the
 * Elasticsearch container generates on first start) and puts it into `STRATA_ES_URL` as basic-auth credentials.
 *
 * @example
 *   STRATA_ES_URL=http://elastic:pw@elasticsearch:9200 node --import tsx service/cli/docker-entrypoint.ts
 *   node --import tsx service/cli/docker-entrypoint.ts --es-password-file /run/strata-secrets/elastic-password
 *   node --import tsx service/cli/docker-entrypoint.ts --no-demo --wait-seconds 600
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { loadConfig, type Config } from '../config.ts';
import { createEsClient } from '../es/client.ts';
import { aliasTargets } from '../es/indices.ts';
import { start } from '../app/start.ts';
import { writeDemoCatalog } from '../../training/demo/make-catalog.ts';
import { loadDemo } from './commands/up.ts';
import { untilSignal } from './commands/serve.ts';

const log = (message: string) => console.log(`[entrypoint] ${message}`);

/**
 * Polls cluster health (the test distribution and a secured node both answer it; `GET /` is not there) until
 * yellow or green, printing a line every 10 s; throws after `waitSeconds`.
 *
 * @example await waitForElasticsearch(es, 'http://elasticsearch:9200', { waitSeconds: 300 });
 */
export async function waitForElasticsearch(es: Client, shownUrl: string, { waitSeconds = 300, pollMs = 1000 } = {}): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  let lastLine = 0;
  for (;;) {
    const reason = await es.cluster.health({ wait_for_status: 'yellow', timeout: '5s' }, { requestTimeout: 10_000, maxRetries: 0 }).then(
      (h) => (h.status === 'red' || h.timed_out ? `health ${h.status}` : null),
      (err: unknown) => (err instanceof Error ? err.message.split('\n')[0]! : String(err)),
    );
    if (reason === null) return;
    if (Date.now() > deadline) throw new Error(`Elasticsearch at ${shownUrl} not ready after ${waitSeconds} s (${reason})`);
    if (Date.now() - lastLine >= 10_000) {
      log(`waiting for Elasticsearch at ${shownUrl} (${reason})`);
      lastLine = Date.now();
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Loads the demo catalog into the default alias unless the alias already exists; returns what it did.
 *
 * @example await loadDemoOnce(config, es); // { loaded: 300 } the first time, { skipped: ['products-2025...'] } after
 */
export async function loadDemoOnce(config: Config, es: Client): Promise<{ loaded: number } | { skipped: string[] }> {
  const existing = await aliasTargets(es, config.service.index);
  if (existing.length > 0) return { skipped: existing };
  const file = path.join(config.cacheDir, 'demo', 'catalog.jsonl');
  await writeDemoCatalog(file);
  return { loaded: await loadDemo(config, file) };
}

/**
 * The URL with `user:password` set (URL-encoded), e.g. for a password read from a secrets file.
 *
 * @example withCredentials('http://es:9200', 'elastic', 'p@ss') // 'http://elastic:p%40ss@es:9200'
 */
export function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, '');
}

/** Strips credentials from a URL for log lines. */
function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'no-demo': { type: 'boolean', default: false },
      'wait-seconds': { type: 'string', default: '300' },
      'es-password-file': { type: 'string' },
    },
  });
  const loaded = loadConfig();
  const passwordFile = values['es-password-file'];
  const password = passwordFile ? (await readFile(passwordFile, 'utf8')).trim() : '';
  if (passwordFile && !password) throw new Error(`--es-password-file ${passwordFile} is empty`);
  const config = password ? { ...loaded, es: { ...loaded.es, url: withCredentials(loaded.es.url, 'elastic', password) } } : loaded;
  const shownUrl = withoutCredentials(config.es.url);
  const es = createEsClient({ url: config.es.url, timeoutMs: config.es.timeoutMs });
  try {
    log(`waiting for Elasticsearch at ${shownUrl}`);
    await waitForElasticsearch(es, shownUrl, { waitSeconds: Number(values['wait-seconds']) });
    log('Elasticsearch is ready');
    if (!values['no-demo']) {
      const result = await loadDemoOnce(config, es);
      if ('loaded' in result) log(`demo catalog: ${result.loaded} products indexed into "${config.service.index}"`);
      else log(`demo catalog skipped: "${config.service.index}" already exists (${result.skipped.join(', ')})`);
    }
  } finally {
    await es.close();
  }
  const svc = await start(config);
  log(`strata service listening on ${svc.url} (web page: ${svc.url}/)`);
  await untilSignal();
  log('stopping');
  await svc.close();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`[entrypoint] ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
