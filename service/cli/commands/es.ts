/**
 * `strata es start|stop|status|logs`: the managed local Elasticsearch (see service/es/manage/): one node by
 * default, or a local cluster with `--nodes N` (node i on port + i - 1).
 *
 * @example
 *   npx tsx service/cli/main.ts es start --plugin plugin/target/releases/strata-plugin.zip
 *   npx tsx service/cli/main.ts es start --nodes 3 --heap 512m
 *   npx tsx service/cli/main.ts es logs --node 2 -n 100
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import {
  clusterLogs,
  clusterStatus,
  esLogs,
  esStatus,
  MAX_NODES,
  startCluster,
  startElasticsearch,
  stopCluster,
  stopElasticsearch,
  type ClusterStatus,
} from '../../es/manage/index.ts';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got "${value}"`);
  return n;
};

interface Where {
  port?: number;
}

/** The config with the `--port` / `--heap` flags applied (unset flags leave it exactly as it is). */
function withFlags(config: Config, { port, heap }: Where & { heap?: string }): Config {
  if (port === undefined && heap === undefined) return config;
  return { ...config, es: { ...config.es, ...(port !== undefined ? { port } : {}), ...(heap !== undefined ? { heap } : {}) } };
}

/** A running cluster at that port, or undefined (none, or all its nodes stopped). */
async function runningCluster(config: Config): Promise<ClusterStatus | undefined> {
  const status = await clusterStatus(config);
  return status?.nodes.some((n) => n.pid !== undefined) ? status : undefined;
}

function printCluster(status: ClusterStatus): void {
  const h = status.health;
  console.log(`cluster ${status.clusterName}: ${h ? `${h.status}, ${h.nodes} of ${status.nodes.length} nodes joined` : 'no node answers'} (version ${status.version ?? '?'}, heap ${status.heap} each)`);
  for (const n of status.nodes) {
    console.log(`  node ${n.number} ${n.name}: ${n.pid ? `running, pid ${n.pid}` : 'not running'}, ${n.url} (transport ${n.transportPort}), data ${n.data}`);
  }
}

/** Adds the `es` verb and its subcommands to the program. */
export function register(program: Command, config: Config): void {
  const es = program.command('es').description(`a local Elasticsearch ${config.es.version} for development and tests (one node, or a cluster)`);

  es.command('start')
    .description('download (first time), install plugins, start and wait for health; starts only what is not running')
    .option('-p, --plugin <zip...>', 'plugin zip(s) to install (reinstalled when the zip changes; on every node)')
    .option('-t, --timeout <ms>', 'how long to wait for yellow/green health', positiveInt, 180_000)
    .option('-n, --nodes <n>', `a local cluster of n nodes (2-${MAX_NODES}) on ports port..port+n-1, transport +1000; 1 is the single node`, positiveInt, 1)
    .option('--heap <size>', `heap per node, e.g. 512m (default ${config.es.heap}, STRATA_ES_HEAP)`)
    .option('--port <port>', `HTTP port of the (first) node (default ${config.es.port}, STRATA_ES_PORT)`, positiveInt)
    .action(async (opts: { plugin?: string[]; timeout: number; nodes: number; heap?: string; port?: number }) => {
      const plugins = (opts.plugin ?? []).map((p) => path.resolve(p));
      const cfg = withFlags(config, opts);
      if (opts.nodes === 1) {
        const result = await startElasticsearch(cfg, { plugins, timeoutMs: opts.timeout });
        console.log(`${result.alreadyRunning ? 'already running' : 'started'}: ${result.url} (version ${result.version ?? '?'}${result.pid ? `, pid ${result.pid}` : ''})`);
        return;
      }
      const result = await startCluster(cfg, { nodes: opts.nodes, plugins, timeoutMs: opts.timeout });
      const what = result.started.length ? `started ${result.started.join(', ')}` : 'already running';
      console.log(`${what}: ${opts.nodes}-node cluster ${result.health.status} at ${result.urls.join(', ')} (version ${result.version ?? '?'})`);
    });

  es.command('stop')
    .description('stop the node, or every node of the cluster, started by `strata es start` and wait for them to exit')
    .option('--port <port>', 'HTTP port of the (first) node', positiveInt)
    .action(async (opts: Where) => {
      const cfg = withFlags(config, opts);
      const cluster = await stopCluster(cfg, { log: () => undefined });
      const single = await stopElasticsearch(cfg, cluster.length ? { log: () => undefined } : {});
      if (cluster.length) console.log(`stopped the cluster (pids ${cluster.join(', ')})`);
      if (single || !cluster.length) console.log(single ? `stopped (pid ${single})` : 'not running');
    });

  es.command('status')
    .description('running or not, url, version, pid, per node for a cluster (exit code 3 when not running)')
    .option('--json', 'print the status as JSON')
    .option('--port <port>', 'HTTP port of the (first) node', positiveInt)
    .action(async (opts: Where & { json?: boolean }) => {
      const cfg = withFlags(config, opts);
      const cluster = await runningCluster(cfg);
      if (cluster) {
        if (opts.json) console.log(JSON.stringify(cluster, null, 2));
        else printCluster(cluster);
        return;
      }
      const status = await esStatus(cfg);
      if (opts.json) console.log(JSON.stringify(status, null, 2));
      else if (!status.running) console.log(`not running (${status.url})`);
      else {
        const who = status.managed ? `pid ${status.pid}` : 'not started by strata';
        console.log(`running: ${status.url} (health ${status.health ?? 'unknown'}, version ${status.version ?? '?'}, ${who})`);
      }
      if (!status.running) process.exitCode = 3;
    });

  es.command('logs')
    .description("print the last lines of the server log (of each cluster node, or the one --node names)")
    .option('-n, --lines <n>', 'how many lines', positiveInt, 50)
    .option('--node <i>', 'only node i of the cluster (1-based)', positiveInt)
    .option('--port <port>', 'HTTP port of the (first) node', positiveInt)
    .action(async (opts: Where & { lines: number; node?: number }) => {
      const cfg = withFlags(config, opts);
      // --node, or a running cluster, means the cluster's logs; otherwise the single node's.
      if (opts.node === undefined && !(await runningCluster(cfg))) {
        const text = await esLogs(cfg, { lines: opts.lines });
        console.log(text || '(no server log yet)');
        return;
      }
      const logs = await clusterLogs(cfg, { lines: opts.lines, ...(opts.node !== undefined ? { node: opts.node } : {}) });
      if (logs.length === 0) throw new Error(`no cluster was ever started with its first node on port ${cfg.es.port}`);
      for (const [name, text] of logs) console.log(`==> ${name} <==\n${text || '(no server log yet)'}\n`);
    });
}
