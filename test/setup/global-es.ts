/**
 * Vitest global setup of the integration project: makes sure a real Elasticsearch answers, starting the managed
 * local node when none is healthy at `config.es.url` (the first run downloads ~130 MB: allow minutes), and hands
 * its URL to the tests as `inject('esUrl')`. Teardown stops the node only when this setup started it, so a node
 * someone else is using is never taken away.
 */
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../service/config.ts';
import { fetchHealth, isUsable, startElasticsearch, stopElasticsearch } from '../../service/es/manage/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the Elasticsearch the integration tests run against, without a trailing slash. */
    esUrl: string;
  }
}

/** Starts ES when needed, provides `esUrl`, and returns the teardown. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const config = loadConfig();
  const configured = config.es.url.replace(/\/+$/, '');
  if (isUsable(await fetchHealth(configured))) {
    project.provide('esUrl', configured);
    return undefined;
  }
  const log = (message: string) => console.error(`[global-es] ${message}`);
  const started = await startElasticsearch(config, { log, timeoutMs: 300_000 });
  if (started.url !== configured) log(`STRATA_ES_URL is ${configured} but the managed node listens at ${started.url}; using the latter`);
  project.provide('esUrl', started.url);
  if (started.alreadyRunning) return undefined;
  return async () => {
    await stopElasticsearch(config, { log });
  };
}
