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

/** Transport ports of a local cluster sit this far above its HTTP ports: clear of 9300-9399, where single nodes pick theirs. */
export const TRANSPORT_PORT_OFFSET = 1000;

export interface ClusterNodePaths {
  /** 1-based. */
  number: number;
  name: string;
  httpPort: number;
  transportPort: number;
  dir: string;
  /** `ES_PATH_CONF`: this node's copy of the home's config directory, with its own `elasticsearch.yml`. */
  config: string;
  data: string;
  logs: string;
  run: string;
  pidFile: string;
  serverLog: string;
}

export interface ClusterPaths {
  /** `<root>/cluster-<first http port>`: one local cluster per first port, so two never share a data directory. */
  dir: string;
  clusterName: string;
  /** `cluster.json`: the node count, heap and whether the cluster has bootstrapped. */
  stateFile: string;
  nodes: ClusterNodePaths[];
}

/**
 * The paths and ports of a local cluster of `nodes` nodes whose first HTTP port is `port`: node i (1-based)
 * answers HTTP on `port + i - 1` and transport on that plus 1000, and keeps its config, data, logs and pidfile
 * under `<root>/cluster-<port>/node-<i>`. The nodes share the unpacked home (and so its plugins).
 *
 * @example
 *   clusterPaths(esPaths(config), { port: 9201, nodes: 3 }).nodes[2] // { httpPort: 9203, transportPort: 10203, ... }
 */
export function clusterPaths(paths: Pick<EsPaths, 'root'>, { port, nodes }: { port: number; nodes: number }): ClusterPaths {
  const dir = path.join(paths.root, `cluster-${port}`);
  const clusterName = `${CLUSTER_NAME}-${port}`;
  return {
    dir,
    clusterName,
    stateFile: path.join(dir, 'cluster.json'),
    nodes: Array.from({ length: nodes }, (_, i) => {
      const nodeDir = path.join(dir, `node-${i + 1}`);
      const logs = path.join(nodeDir, 'logs');
      const run = path.join(nodeDir, 'run');
      return {
        number: i + 1,
        name: `${clusterName}-${i + 1}`,
        httpPort: port + i,
        transportPort: port + i + TRANSPORT_PORT_OFFSET,
        dir: nodeDir,
        config: path.join(nodeDir, 'config'),
        data: path.join(nodeDir, 'data'),
        logs,
        run,
        pidFile: path.join(run, 'elasticsearch.pid'),
        serverLog: path.join(logs, `${clusterName}.log`),
      };
    }),
  };
}
