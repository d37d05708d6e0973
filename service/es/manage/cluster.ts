/**
 * A local cluster of N managed nodes of the same distribution on 127.0.0.1: node i answers HTTP on `port + i - 1`
 * and transport on that plus 1000, keeps its own config (`ES_PATH_CONF`), data and logs under
 * `<root>/cluster-<port>/node-<i>`, and finds the others through `discovery.seed_hosts`; the first bootstrap also
 * names `cluster.initial_master_nodes`. The nodes share the unpacked home and its plugins, start and stop together,
 * and a start launches only the nodes that are not running (so a node that died rejoins).
 */
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { strataError } from '../../errors.ts';
import { fetchClusterHealth, fetchVersion, isPortInUse, waitForCluster, type ClusterHealth } from './health.ts';
import { ensureInstalled } from './install.ts';
import { findJdk } from './jdk.ts';
import { ES_HOST, startFailure, type EsConfig } from './lifecycle.ts';
import { withLock } from './lock.ts';
import { fileSize, tailFile } from './logs.ts';
import { clusterPaths, esPaths, isRootUser, type ClusterNodePaths, type ClusterPaths, type EsPaths } from './paths.ts';
import { isAlive, runningPid, terminate } from './pid.ts';
import { applyPlugins, installedPlugins, planPlugins, readPluginState, readPluginZip } from './plugins.ts';
import type { Log } from './progress.ts';
import { esCommand, runCommand, type RunAs } from './run.ts';
import { javaOpts, renderSettings } from './settings.ts';
import { ensureEsUser, handNodeToEsUser } from './user.ts';

/** Nodes of one local cluster: enough to try shard allocation and failover, few enough for one machine. */
export const MAX_NODES = 9;

export interface ClusterOptions {
  /** 2 to 9 (one node is the single managed node: `startElasticsearch`). */
  nodes: number;
  /** HTTP port of node 1 (default `config.es.port`). */
  port?: number;
  /** Heap of each node, e.g. `512m` (default `config.es.heap`). */
  heap?: string;
  /** Absolute paths of plugin zips, installed once into the shared home (so on every node). */
  plugins?: string[];
  log?: Log;
  /** How long to wait for every node to join at yellow/green health. */
  timeoutMs?: number;
  isRoot?: boolean;
}

/** What `cluster.json` records: the size and heap the cluster was started with, and whether it has formed. */
export interface ClusterState {
  nodes: number;
  heap: string;
  bootstrapped: boolean;
  /** sha256 per plugin in the home when the nodes were launched: nodes running older plugins are restarted. */
  plugins?: Record<string, string>;
}

export interface ClusterNodeStatus {
  number: number;
  name: string;
  url: string;
  transportPort: number;
  pid: number | undefined;
  data: string;
  serverLog: string;
}

export interface ClusterStatus {
  dir: string;
  clusterName: string;
  /** The health as the first node that answers reports it. */
  health: ClusterHealth | undefined;
  version: string | undefined;
  heap: string;
  nodes: ClusterNodeStatus[];
}

export interface ClusterStartResult {
  /** Node 1's URL (any node serves the whole cluster). */
  url: string;
  urls: string[];
  health: ClusterHealth;
  version: string | undefined;
  /** Names of the nodes this call launched (empty when all were running). */
  started: string[];
}

const defaultLog: Log = (m) => console.error(m);

const nodeUrl = (node: ClusterNodePaths): string => `http://${ES_HOST}:${node.httpPort}`;

/**
 * Starts every node of the cluster that is not running, waits until all of them have joined at yellow/green
 * health, and returns the cluster's URLs. Installs or refreshes plugin zips in the shared home first (restarting
 * the cluster's running nodes when one changed).
 *
 * @example
 *   const { urls } = await startCluster(loadConfig(), { nodes: 3, port: 9201, heap: '512m', plugins: [zip] });
 */
export async function startCluster(config: EsConfig, options: ClusterOptions): Promise<ClusterStartResult> {
  const { nodes, port = config.es.port, heap = config.es.heap, plugins = [], log = defaultLog, timeoutMs = 300_000, isRoot = isRootUser() } = options;
  if (!Number.isInteger(nodes) || nodes < 2 || nodes > MAX_NODES) {
    throw strataError('es_setup_failed', { reason: `a local cluster has 2 to ${MAX_NODES} nodes, got ${nodes} (one node is the default: strata es start)` });
  }
  const opts = javaOpts(heap);
  const paths = esPaths(config, { isRoot });
  const cluster = clusterPaths(paths, { port, nodes });
  if (cluster.nodes.at(-1)!.transportPort > 65_535) throw strataError('es_setup_failed', { reason: `port ${port} leaves no room for ${nodes} transport ports` });
  await mkdir(cluster.dir, { recursive: true });
  return withLock(
    paths.lock,
    async () => {
      const wanted = await Promise.all(plugins.map((zip) => readPluginZip(zip, config.es.version)));
      const state = await readClusterState(cluster);
      if (state && state.nodes !== nodes) {
        throw strataError('es_setup_failed', {
          reason: `${cluster.dir} holds a cluster of ${state.nodes} nodes: start it with --nodes ${state.nodes}, or stop it and delete that directory`,
        });
      }
      await ensureInstalled(paths, config.es.version, { log });
      const plan = planPlugins(wanted, await readPluginState(paths), await installedPlugins(paths.home));
      let pids = await Promise.all(cluster.nodes.map((n) => runningPid(n.pidFile)));
      const urls = cluster.nodes.map(nodeUrl);
      const current = sameShas(state?.plugins, await homePlugins(paths));
      if (plan.install.length === 0 && current && pids.every((p) => p !== undefined)) {
        const health = await waitForCluster(urls, { nodes, timeoutMs, alive: () => pids.every((p) => isAlive(p!)) });
        if (!health || health.nodes < nodes) throw strataError('es_start_failed', { reason: `all ${nodes} nodes run but the cluster reports ${describeHealth(health)}` });
        log(`the ${nodes}-node cluster is already running at ${urls.join(', ')} (${health.status})`);
        return { url: urls[0]!, urls, health, version: await fetchVersion(urls[0]!), started: [] };
      }

      const jdk = await findJdk({ javaHome: config.es.javaHome });
      if (isRoot) await ensureEsUser(config.es.user);
      const runAs = (node?: ClusterNodePaths): RunAs => ({
        isRoot,
        user: config.es.user,
        env: { ES_JAVA_HOME: jdk, ES_JAVA_OPTS: opts, ...(node ? { ES_PATH_CONF: node.config } : {}) },
      });
      for (const node of cluster.nodes) await prepareNode(paths, node);
      if (isRoot) await handNodeToEsUser(paths.home, cluster.nodes.map((n) => n.dir), config.es.user);
      if (plan.install.length > 0 || !current) {
        if (plan.install.length > 0) await refuseOtherHomeUsers(paths, cluster, plan.install.map((p) => p.name));
        const running = cluster.nodes.filter((_, i) => pids[i] !== undefined);
        if (running.length) log(`plugins changed since ${running.map((n) => n.name).join(', ')} started: restarting them`);
        await Promise.all(running.map((n) => terminate(pids[n.number - 1]!, n.pidFile)));
        pids = pids.map(() => undefined);
      }
      if (plan.install.length > 0) {
        await mkdir(paths.run, { recursive: true });
        await applyPlugins(paths, plan, runAs(), log);
      }

      const launching = cluster.nodes.filter((_, i) => pids[i] === undefined);
      for (const node of launching) await checkPortsFree(paths, node);
      const shas = await homePlugins(paths);
      await writeClusterState(cluster, { nodes, heap, bootstrapped: state?.bootstrapped ?? false, plugins: shas });
      for (const node of cluster.nodes) await writeNodeSettings(cluster, node, { bootstrap: !state?.bootstrapped });
      log(`starting ${launching.map((n) => `${n.name} (${nodeUrl(n)})`).join(', ')} with ${heap} heap each`);
      const launched = await Promise.all(launching.map((node) => launchNode(paths, node, runAs(node), timeoutMs)));
      const all = cluster.nodes.map((n, i) => pids[i] ?? launched[launching.indexOf(n)]!);
      const health = await waitForCluster(urls, { nodes, timeoutMs, alive: () => all.every(isAlive) });
      if (!health || health.nodes < nodes || health.status === 'red') {
        const dead = cluster.nodes.find((_, i) => !isAlive(all[i]!));
        const node = dead ?? launching[0] ?? cluster.nodes[0]!;
        const what = dead ? `${dead.name} (pid ${all[dead.number - 1]}) died` : `no ${nodes}-node yellow/green cluster within ${timeoutMs} ms (last: ${describeHealth(health)})`;
        throw await startFailure(node.serverLog, Math.max(0, (await fileSize(node.serverLog)) - 16_384), what);
      }
      await writeClusterState(cluster, { nodes, heap, bootstrapped: true, plugins: shas });
      const version = await fetchVersion(urls[0]!);
      log(`Elasticsearch ${version ?? '?'}: ${nodes}-node cluster ${cluster.clusterName} is ${health.status} at ${urls.join(', ')}`);
      return { url: urls[0]!, urls, health, version, started: launching.map((n) => n.name) };
    },
    { log },
  );
}

/**
 * Stops every running node of the cluster whose node 1 listens on `port` (in parallel: SIGTERM, SIGKILL after
 * `timeoutMs`). Returns the pids it stopped (empty when none ran or there is no such cluster).
 *
 * @example
 *   await stopCluster(loadConfig(), { port: 9201 }); // [1201, 1202, 1203]
 */
export async function stopCluster(
  config: EsConfig,
  { port = config.es.port, log = defaultLog, timeoutMs = 60_000, isRoot = isRootUser() }: { port?: number; log?: Log; timeoutMs?: number; isRoot?: boolean } = {},
): Promise<number[]> {
  const paths = esPaths(config, { isRoot });
  const found = await findCluster(paths, port);
  if (!found) return [];
  return withLock(
    paths.lock,
    async () => {
      const pids = await Promise.all(found.cluster.nodes.map((n) => runningPid(n.pidFile)));
      const running = found.cluster.nodes.filter((_, i) => pids[i] !== undefined);
      if (running.length === 0) {
        log(`the cluster at ${found.cluster.dir} is not running`);
        return [];
      }
      log(`stopping ${running.map((n) => `${n.name} (pid ${pids[n.number - 1]})`).join(', ')}`);
      await Promise.all(running.map((n) => terminate(pids[n.number - 1]!, n.pidFile, timeoutMs)));
      return running.map((n) => pids[n.number - 1]!);
    },
    { log },
  );
}

/**
 * Each node of the cluster at `port` (pid or not running, URL, data directory, server log) and the cluster's
 * health; undefined when no cluster was ever started there.
 *
 * @example
 *   const status = await clusterStatus(loadConfig(), { port: 9201 });
 *   status?.nodes.map((n) => n.pid) // [1201, undefined, 1203]: node 2 is down
 */
export async function clusterStatus(config: EsConfig, { port = config.es.port, isRoot = isRootUser() }: { port?: number; isRoot?: boolean } = {}): Promise<ClusterStatus | undefined> {
  const paths = esPaths(config, { isRoot });
  const found = await findCluster(paths, port);
  if (!found) return undefined;
  const { cluster, state } = found;
  const nodes = await Promise.all(
    cluster.nodes.map(async (n) => ({
      number: n.number,
      name: n.name,
      url: nodeUrl(n),
      transportPort: n.transportPort,
      pid: await runningPid(n.pidFile),
      data: n.data,
      serverLog: n.serverLog,
    })),
  );
  let health: ClusterHealth | undefined;
  let version: string | undefined;
  for (const n of nodes.filter((x) => x.pid !== undefined)) {
    health = await fetchClusterHealth(n.url);
    if (health) {
      version = await fetchVersion(n.url);
      break;
    }
  }
  return { dir: cluster.dir, clusterName: cluster.clusterName, health, version, heap: state.heap, nodes };
}

/**
 * The last `lines` lines of each node's server log (`node` picks one, 1-based), as `[name, text]` pairs.
 *
 * @example
 *   for (const [name, text] of await clusterLogs(loadConfig(), { port: 9201, node: 2 })) console.log(name, text);
 */
export async function clusterLogs(
  config: EsConfig,
  { port = config.es.port, node, lines = 50, isRoot = isRootUser() }: { port?: number; node?: number; lines?: number; isRoot?: boolean } = {},
): Promise<Array<[string, string]>> {
  const found = await findCluster(esPaths(config, { isRoot }), port);
  if (!found) return [];
  const nodes = found.cluster.nodes;
  if (node !== undefined && !nodes[node - 1]) throw strataError('es_setup_failed', { reason: `the cluster has nodes 1 to ${nodes.length}, not ${node}` });
  const chosen = node === undefined ? nodes : [nodes[node - 1]!];
  return Promise.all(chosen.map(async (n): Promise<[string, string]> => [n.name, await tailFile(n.serverLog, lines)]));
}

/** The cluster whose node 1 listens on `port`, when one was ever started there. */
async function findCluster(paths: Pick<EsPaths, 'root'>, port: number): Promise<{ cluster: ClusterPaths; state: ClusterState } | undefined> {
  const probe = clusterPaths(paths, { port, nodes: 1 });
  const state = await readClusterState(probe);
  return state ? { cluster: clusterPaths(paths, { port, nodes: state.nodes }), state } : undefined;
}

async function readClusterState(cluster: Pick<ClusterPaths, 'stateFile'>): Promise<ClusterState | undefined> {
  const text = await readFile(cluster.stateFile, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const state = JSON.parse(text) as Partial<ClusterState>;
  if (!Number.isInteger(state.nodes) || typeof state.heap !== 'string') throw strataError('es_setup_failed', { reason: `${cluster.stateFile} is damaged; delete it` });
  return { nodes: state.nodes!, heap: state.heap, bootstrapped: state.bootstrapped === true, ...(state.plugins ? { plugins: state.plugins } : {}) };
}

async function writeClusterState(cluster: ClusterPaths, state: ClusterState): Promise<void> {
  await writeFile(cluster.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * The node's directories, and its config directory filled from the home's (jvm.options, log4j2.properties, ...)
 * without overwriting what the node already has (its keystore).
 */
async function prepareNode(paths: EsPaths, node: ClusterNodePaths): Promise<void> {
  for (const dir of [node.config, node.data, node.logs, node.run]) await mkdir(dir, { recursive: true });
  await cp(path.join(paths.home, 'config'), node.config, {
    recursive: true,
    force: false,
    filter: (src) => path.basename(src) !== 'elasticsearch.yml',
  });
}

async function writeNodeSettings(cluster: ClusterPaths, node: ClusterNodePaths, { bootstrap }: { bootstrap: boolean }): Promise<void> {
  const text = renderSettings({
    host: ES_HOST,
    port: node.httpPort,
    dataDir: node.data,
    logsDir: node.logs,
    clusterName: cluster.clusterName,
    cluster: {
      nodeName: node.name,
      transportPort: node.transportPort,
      seedHosts: cluster.nodes.map((n) => `${ES_HOST}:${n.transportPort}`),
      ...(bootstrap ? { initialMasterNodes: cluster.nodes.map((n) => n.name) } : {}),
    },
  });
  await writeFile(path.join(node.config, 'elasticsearch.yml'), text);
}

async function checkPortsFree(paths: EsPaths, node: ClusterNodePaths): Promise<void> {
  for (const [kind, port] of [['HTTP', node.httpPort], ['transport', node.transportPort]] as const) {
    if (!(await isPortInUse(ES_HOST, port))) continue;
    const single = await runningPid(paths.pidFile);
    const reason = single && kind === 'HTTP' ? `the single managed node (pid ${single}) may hold it: strata es stop` : `${node.name} needs it for ${kind}`;
    throw strataError('es_port_taken', { host: ES_HOST, port, reason });
  }
}

/** Plugins cannot change under a node that runs from the same home: the single node, or another cluster. */
async function refuseOtherHomeUsers(paths: EsPaths, cluster: ClusterPaths, plugins: string[]): Promise<void> {
  const single = await runningPid(paths.pidFile);
  if (single) {
    throw strataError('es_plugin_failed', {
      plugin: plugins.join(', '),
      reason: `it changed, and the single managed node (pid ${single}) runs from the same home: stop it first (strata es stop)`,
    });
  }
  for (const entry of await readdir(paths.root).catch(() => [] as string[])) {
    const port = /^cluster-(\d+)$/.exec(entry)?.[1];
    if (!port || path.join(paths.root, entry) === cluster.dir) continue;
    const other = await findCluster(paths, Number(port));
    for (const n of other?.cluster.nodes ?? []) {
      const pid = await runningPid(n.pidFile);
      if (pid) throw strataError('es_plugin_failed', { plugin: plugins.join(', '), reason: `it changed, and ${n.name} (pid ${pid}) runs from the same home: stop that cluster first` });
    }
  }
}

/** `bin/elasticsearch -d` for one node; returns its pid once the launcher has daemonised it. */
async function launchNode(paths: EsPaths, node: ClusterNodePaths, runAs: RunAs, timeoutMs: number): Promise<number> {
  const logFrom = await fileSize(node.serverLog);
  await rm(node.pidFile, { force: true });
  const command = esCommand(path.join(paths.home, 'bin', 'elasticsearch'), ['-d', '-p', node.pidFile], runAs);
  const started = await runCommand(command, { timeoutMs, cwd: node.dir });
  const output = `${started.stdout}\n${started.stderr}`;
  if (started.code !== 0) throw await startFailure(node.serverLog, logFrom, `${node.name}: bin/elasticsearch exited with ${started.code ?? started.error?.message}`, output);
  const pid = await runningPid(node.pidFile);
  if (!pid) throw await startFailure(node.serverLog, logFrom, `${node.name}: the process exited right after starting`, output);
  return pid;
}

/** sha256 per plugin installed in the home (by strata). */
async function homePlugins(paths: EsPaths): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await readPluginState(paths)).map(([name, p]) => [name, p.sha256]));
}

function sameShas(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  if (!a) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

const describeHealth = (h: ClusterHealth | undefined): string => (h ? `${h.status} with ${h.nodes} node(s)` : 'no answer');
