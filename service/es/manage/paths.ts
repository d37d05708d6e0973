/**
 * Where the managed local Elasticsearch keeps its files. Everything lives in one directory outside the repo:
 * the downloaded zip, the unpacked home, data, logs, the pidfile and the installed-plugin record.
 */
import path from 'node:path';
import type { Config } from '../../config.ts';

export interface EsPaths {
  /** The directory holding everything below. */
  root: string;
  zip: string;
  home: string;
  data: string;
  logs: string;
  /** Written by Elasticsearch itself (`-p`), so it lives in a directory the ES user owns. */
  run: string;
  pidFile: string;
  /** `<run>/plugins.json`: the sha256 of every plugin zip installed into `home`. */
  pluginState: string;
  /** Lock taken while starting, stopping or installing, so two callers never race on one home. */
  lock: string;
  /** The main server log (`<cluster.name>.log`). */
  serverLog: string;
}

/** The cluster name is also the server log's file name. */
export const CLUSTER_NAME = 'strata';

/** As root, ES runs as another user who cannot enter root's home (mode 700), so the default moves out of it. */
export const ROOT_ES_DIR = '/var/lib/strata/es';

/**
 * The directory of the managed node: `config.es.dir` when set, else `<cacheDir>/es`, or `/var/lib/strata/es`
 * when the caller is root.
 *
 * @example
 *   resolveEsDir({ cacheDir: '/home/me/.cache/strata' }, false) // '/home/me/.cache/strata/es'
 */
export function resolveEsDir(options: { cacheDir: string; dir?: string | undefined }, isRoot: boolean): string {
  if (options.dir) return path.resolve(options.dir);
  return isRoot ? ROOT_ES_DIR : path.join(path.resolve(options.cacheDir), 'es');
}

/**
 * All paths of the managed node for a config and ES version.
 *
 * @example
 *   esPaths(config, { isRoot: false }).home // '~/.cache/strata/es/elasticsearch-9.5.3'
 */
export function esPaths(config: Pick<Config, 'cacheDir' | 'es'>, { isRoot = isRootUser() } = {}): EsPaths {
  const root = resolveEsDir({ cacheDir: config.cacheDir, dir: config.es.dir }, isRoot);
  const name = `elasticsearch-${config.es.version}`;
  const run = path.join(root, 'run');
  const logs = path.join(root, 'logs');
  return {
    root,
    zip: path.join(root, `${name}.zip`),
    home: path.join(root, name),
    data: path.join(root, 'data'),
    logs,
    run,
    pidFile: path.join(run, 'elasticsearch.pid'),
    pluginState: path.join(run, 'plugins.json'),
    lock: path.join(root, '.lock'),
    serverLog: path.join(logs, `${CLUSTER_NAME}.log`),
  };
}

/** True when this process runs as root (ES must then run as a dedicated user). */
export function isRootUser(): boolean {
  return process.getuid?.() === 0;
}
