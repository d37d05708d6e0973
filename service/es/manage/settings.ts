/**
 * The managed node's settings: one single-node cluster on loopback with security off, or one node of a local
 * cluster (`discovery` given: fixed transport port, seed hosts, and the initial master nodes on first bootstrap),
 * written to the node's `elasticsearch.yml` on every start so the file always matches the config.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { strataError } from '../../errors.ts';
import { CLUSTER_NAME } from './paths.ts';

export interface NodeSettings {
  host: string;
  port: number;
  dataDir: string;
  logsDir: string;
  clusterName?: string;
  /** A node of a local cluster; absent: `discovery.type: single-node` (the default managed node). */
  cluster?: ClusterNodeSettings;
}

export interface ClusterNodeSettings {
  nodeName: string;
  transportPort: number;
  /** `host:transport_port` of every node of the cluster. */
  seedHosts: string[];
  /** Node names that may elect the first master: set on the first bootstrap only (ES warns when left in). */
  initialMasterNodes?: string[];
}

/**
 * The `elasticsearch.yml` text. Strings are JSON-quoted (valid YAML) so paths with spaces or colons are safe.
 * Security is off explicitly: left unset, the first start auto-configures TLS and passwords.
 *
 * @example
 *   renderSettings({ host: '127.0.0.1', port: 9200, dataDir: '/es/data', logsDir: '/es/logs' })
 */
export function renderSettings({ host, port, dataDir, logsDir, clusterName = CLUSTER_NAME, cluster }: NodeSettings): string {
  const discovery: Record<string, string | number | string[]> = cluster
    ? {
        'node.name': cluster.nodeName,
        'transport.port': cluster.transportPort,
        'discovery.seed_hosts': cluster.seedHosts,
        ...(cluster.initialMasterNodes ? { 'cluster.initial_master_nodes': cluster.initialMasterNodes } : {}),
      }
    : { 'node.name': `${clusterName}-local`, 'discovery.type': 'single-node' };
  const settings: Record<string, string | number | boolean | string[]> = {
    'cluster.name': clusterName,
    ...discovery,
    'network.host': host,
    'http.port': port,
    'path.data': dataDir,
    'path.logs': logsDir,
    'xpack.security.enabled': false,
    // A nearly full shared disk must not turn indices read-only under the tests.
    'cluster.routing.allocation.disk.threshold_enabled': false,
  };
  // JSON strings and arrays are valid YAML scalars and flow sequences.
  const lines = Object.entries(settings).map(([k, v]) => `${k}: ${typeof v === 'string' || Array.isArray(v) ? JSON.stringify(v) : String(v)}`);
  return `# Written by strata (service/es/manage/settings.ts) on every start; edits here are overwritten.\n${lines.join('\n')}\n`;
}

/**
 * `ES_JAVA_OPTS` for a heap size such as `1g` or `512m` (same min and max, as ES recommends).
 *
 * @example
 *   javaOpts('1g') // '-Xms1g -Xmx1g'
 */
export function javaOpts(heap: string): string {
  if (!/^\d+[kmg]?$/i.test(heap)) throw strataError('es_setup_failed', { reason: `invalid heap size "${heap}" (STRATA_ES_HEAP, e.g. 1g or 512m)` });
  return `-Xms${heap} -Xmx${heap}`;
}

/** Writes the settings into `<home>/config/elasticsearch.yml`. */
export async function writeSettings(home: string, settings: NodeSettings): Promise<void> {
  await writeFile(path.join(home, 'config', 'elasticsearch.yml'), renderSettings(settings));
}
