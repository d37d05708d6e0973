/**
 * Vitest global setup of the integration project: makes sure a real Elasticsearch answers, starting the managed
 * local node when none is healthy at `config.es.url` (the first run downloads ~130 MB: allow minutes), and hands
 * its URL to the tests as `inject('esUrl')`. Teardown stops the node only when this setup started it, so a node
 * someone else is using is never taken away.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../service/config.ts';
import { fetchHealth, isUsable, startElasticsearch, stopElasticsearch } from '../../service/es/manage/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the Elasticsearch the integration tests run against, without a trailing slash. */
    esUrl: string;
    /** Whether the strata rescorer plugin is loaded in that node. */
    pluginInstalled: boolean;
  }
}

/** The strata plugin zip when `npm run plugin:build` has made it (CI builds it before the tests). */
const PLUGIN_ZIP = fileURLToPath(new URL('../../plugin/target/releases/strata-plugin.zip', import.meta.url));

/** Whether the node at `url` has the strata plugin loaded. */
async function hasStrataPlugin(url: string): Promise<boolean> {
  const res = await fetch(`${url}/_cat/plugins?h=component`).catch(() => undefined);
  return res?.ok === true && (await res.text()).split('\n').some((l) => l.trim() === 'strata');
}

/** Starts ES when needed (with the plugin when built), provides `esUrl`, and returns the teardown. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const config = loadConfig();
  const configured = config.es.url.replace(/\/+$/, '');
  const plugins = existsSync(PLUGIN_ZIP) ? [PLUGIN_ZIP] : [];
  project.provide('pluginInstalled', false);
  // A healthy node is used as it is, unless the plugin is built and that node lacks it (then the managed node
  // installs it, restarting if it runs; an unmanaged node on that port makes the start fail with the reason).
  if (isUsable(await fetchHealth(configured)) && (plugins.length === 0 || (await hasStrataPlugin(configured)))) {
    project.provide('esUrl', configured);
    project.provide('pluginInstalled', await hasStrataPlugin(configured));
    return undefined;
  }
  const log = (message: string) => console.error(`[global-es] ${message}`);
  const started = await startElasticsearch(config, { log, timeoutMs: 300_000, plugins });
  project.provide('pluginInstalled', await hasStrataPlugin(started.url));
  if (started.url !== configured) log(`STRATA_ES_URL is ${configured} but the managed node listens at ${started.url}; using the latter`);
  project.provide('esUrl', started.url);
  if (started.alreadyRunning) return undefined;
  return async () => {
    await stopElasticsearch(config, { log });
  };
}
