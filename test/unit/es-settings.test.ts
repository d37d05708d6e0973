import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { StrataError } from '../../service/errors.ts';
import { clusterPaths, esPaths, resolveEsDir, ROOT_ES_DIR } from '../../service/es/manage/paths.ts';
import { esCommand } from '../../service/es/manage/run.ts';
import { javaOpts, renderSettings } from '../../service/es/manage/settings.ts';

/** Reads the flat `key: value` lines back, un-quoting JSON strings, so the tests check values, not layout. */
function parse(yml: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of yml.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(': ');
    out[line.slice(0, i)] = JSON.parse(line.slice(i + 2));
  }
  return out;
}

describe('renderSettings', () => {
  const settings = parse(renderSettings({ host: '127.0.0.1', port: 9255, dataDir: '/c/es/data', logsDir: '/c/es/logs' }));

  it('configures one node on loopback with the given port and paths', () => {
    expect(settings).toMatchObject({
      'discovery.type': 'single-node',
      'network.host': '127.0.0.1',
      'http.port': 9255,
      'path.data': '/c/es/data',
      'path.logs': '/c/es/logs',
    });
  });

  it('turns security off explicitly (else the first start sets up TLS) and the disk threshold off', () => {
    expect(settings['xpack.security.enabled']).toBe(false);
    expect(settings['cluster.routing.allocation.disk.threshold_enabled']).toBe(false);
  });

  it('names the cluster so the server log is <cluster>.log', () => {
    expect(settings['cluster.name']).toBe('strata');
  });

  it('quotes paths that YAML would otherwise misread', () => {
    const odd = parse(renderSettings({ host: '127.0.0.1', port: 1, dataDir: '/a b/#c: d', logsDir: "/it's/[x]" }));
    expect(odd['path.data']).toBe('/a b/#c: d');
    expect(odd['path.logs']).toBe("/it's/[x]");
  });
});

describe('renderSettings for a node of a local cluster', () => {
  const cluster = {
    nodeName: 'strata-9201-2',
    transportPort: 10202,
    seedHosts: ['127.0.0.1:10201', '127.0.0.1:10202', '127.0.0.1:10203'],
    initialMasterNodes: ['strata-9201-1', 'strata-9201-2', 'strata-9201-3'],
  };
  const node = parse(renderSettings({ host: '127.0.0.1', port: 9202, dataDir: '/c/n2/data', logsDir: '/c/n2/logs', clusterName: 'strata-9201', cluster }));

  it('discovers the others by seed hosts on a fixed transport port, not as a single node', () => {
    expect(node).toMatchObject({
      'cluster.name': 'strata-9201',
      'node.name': 'strata-9201-2',
      'http.port': 9202,
      'transport.port': 10202,
      'discovery.seed_hosts': cluster.seedHosts,
      'cluster.initial_master_nodes': cluster.initialMasterNodes,
      'network.host': '127.0.0.1',
      'xpack.security.enabled': false,
    });
    expect(node['discovery.type']).toBeUndefined();
  });

  it('names the initial master nodes only for the first bootstrap', () => {
    const { initialMasterNodes: _first, ...later } = cluster;
    const again = parse(renderSettings({ host: '127.0.0.1', port: 9202, dataDir: '/d', logsDir: '/l', clusterName: 'strata-9201', cluster: later }));
    expect(again['cluster.initial_master_nodes']).toBeUndefined();
    expect(again['discovery.seed_hosts']).toEqual(cluster.seedHosts);
  });
});

describe('clusterPaths', () => {
  it('gives node i port + i - 1 for HTTP, 1000 above for transport, and its own directories under cluster-<port>', () => {
    const paths = clusterPaths(esPaths(loadConfig({ STRATA_ES_DIR: '/srv/es' }), { isRoot: false }), { port: 9201, nodes: 3 });
    expect(paths.dir).toBe('/srv/es/cluster-9201');
    expect(paths.nodes.map((n) => [n.name, n.httpPort, n.transportPort])).toEqual([
      ['strata-9201-1', 9201, 10201],
      ['strata-9201-2', 9202, 10202],
      ['strata-9201-3', 9203, 10203],
    ]);
    expect(paths.nodes[1]).toMatchObject({
      config: '/srv/es/cluster-9201/node-2/config',
      data: '/srv/es/cluster-9201/node-2/data',
      pidFile: '/srv/es/cluster-9201/node-2/run/elasticsearch.pid',
      serverLog: '/srv/es/cluster-9201/node-2/logs/strata-9201.log',
    });
    // Another first port is another cluster: no shared data directory.
    expect(clusterPaths({ root: '/srv/es' }, { port: 9205, nodes: 3 }).nodes[0]!.data).toBe('/srv/es/cluster-9205/node-1/data');
  });
});

describe('javaOpts', () => {
  it('sets min and max heap to the same size', () => {
    expect(javaOpts('1g')).toBe('-Xms1g -Xmx1g');
    expect(javaOpts('512m')).toBe('-Xms512m -Xmx512m');
  });

  it('refuses a heap size the JVM would not parse', () => {
    expect(() => javaOpts('1 GB')).toThrow(StrataError);
    expect(() => javaOpts('-Xmx1g')).toThrow(/invalid heap size/);
  });
});

describe('esPaths', () => {
  it('keeps everything under <cacheDir>/es for a normal user', () => {
    const paths = esPaths(loadConfig({ STRATA_CACHE_DIR: '/home/me/.cache/strata' }), { isRoot: false });
    expect(paths.root).toBe('/home/me/.cache/strata/es');
    expect(paths.zip).toBe('/home/me/.cache/strata/es/elasticsearch-9.5.3.zip');
    expect(paths.home).toBe('/home/me/.cache/strata/es/elasticsearch-9.5.3');
    expect(paths.data).toBe('/home/me/.cache/strata/es/data');
    expect(paths.logs).toBe('/home/me/.cache/strata/es/logs');
    expect(paths.serverLog).toBe('/home/me/.cache/strata/es/logs/strata.log');
  });

  it("moves out of root's closed home by default when root, and honours STRATA_ES_DIR either way", () => {
    expect(resolveEsDir({ cacheDir: '/root/.cache/strata' }, true)).toBe(ROOT_ES_DIR);
    expect(resolveEsDir({ cacheDir: '/root/.cache/strata', dir: '/srv/es' }, true)).toBe('/srv/es');
    expect(esPaths(loadConfig({ STRATA_ES_DIR: '/srv/es' }), { isRoot: false }).home).toBe('/srv/es/elasticsearch-9.5.3');
  });
});

describe('esCommand', () => {
  const env = { ES_JAVA_HOME: '/jvm/temurin-25', ES_JAVA_OPTS: '-Xms1g -Xmx1g' };

  it('runs through runuser as the ES user when root, passing the environment explicitly', () => {
    expect(esCommand('/es/bin/elasticsearch', ['-d', '-p', '/run/es.pid'], { isRoot: true, user: 'strata-es', env })).toEqual({
      file: 'runuser',
      args: ['-u', 'strata-es', '--', 'env', 'ES_JAVA_HOME=/jvm/temurin-25', 'ES_JAVA_OPTS=-Xms1g -Xmx1g', '/es/bin/elasticsearch', '-d', '-p', '/run/es.pid'],
    });
  });

  it('runs directly (through env) when not root', () => {
    expect(esCommand('/es/bin/elasticsearch', ['-d'], { isRoot: false, user: 'strata-es', env })).toEqual({
      file: 'env',
      args: ['ES_JAVA_HOME=/jvm/temurin-25', 'ES_JAVA_OPTS=-Xms1g -Xmx1g', '/es/bin/elasticsearch', '-d'],
    });
  });
});
