/**
 * Asking a node whether it is up. This distribution has no `GET /`, so health is `GET /_cluster/health` and the
 * version comes from `GET /_nodes/_local`.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type HealthStatus = 'green' | 'yellow' | 'red';

/**
 * The cluster health status at `url`, or undefined when nothing (or not Elasticsearch) answers.
 *
 * @example
 *   await fetchHealth('http://127.0.0.1:9200') // 'green'
 */
export async function fetchHealth(url: string, timeoutMs = 5_000): Promise<HealthStatus | undefined> {
  const body = await getJson(`${url}/_cluster/health`, timeoutMs);
  const status = (body as { status?: unknown } | undefined)?.status;
  return status === 'green' || status === 'yellow' || status === 'red' ? status : undefined;
}

export interface ClusterHealth {
  status: HealthStatus;
  nodes: number;
  /** Shard copies not yet assigned (replicas of a node that left, before it rejoins). */
  unassignedShards: number;
}

/**
 * The health of the cluster the node at `url` belongs to (status, node count, unassigned shards), or undefined
 * when nothing answers.
 *
 * @example
 *   await fetchClusterHealth('http://127.0.0.1:9201') // { status: 'green', nodes: 3, unassignedShards: 0 }
 */
export async function fetchClusterHealth(url: string, timeoutMs = 5_000): Promise<ClusterHealth | undefined> {
  const body = (await getJson(`${url}/_cluster/health`, timeoutMs)) as
    | { status?: unknown; number_of_nodes?: unknown; unassigned_shards?: unknown }
    | undefined;
  const status = body?.status;
  if (status !== 'green' && status !== 'yellow' && status !== 'red') return undefined;
  return { status, nodes: Number(body?.number_of_nodes ?? 0), unassignedShards: Number(body?.unassigned_shards ?? 0) };
}

/**
 * Polls the nodes at `urls` until one reports a cluster of at least `nodes` nodes at `want` health (yellow or
 * better by default); gives up at the deadline or as soon as `alive()` says a launched node died. Returns the
 * last health seen.
 *
 * @example
 *   await waitForCluster(['http://127.0.0.1:9201', 'http://127.0.0.1:9202'], { nodes: 2, want: 'green' });
 */
export async function waitForCluster(
  urls: readonly string[],
  {
    nodes,
    want = 'yellow',
    timeoutMs = 180_000,
    intervalMs = 500,
    alive = () => true,
  }: { nodes: number; want?: 'yellow' | 'green'; timeoutMs?: number; intervalMs?: number; alive?: () => boolean },
): Promise<ClusterHealth | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: ClusterHealth | undefined;
  const good = (h: ClusterHealth | undefined) => !!h && h.nodes >= nodes && (h.status === 'green' || (want === 'yellow' && h.status === 'yellow'));
  while (Date.now() < deadline) {
    for (const url of urls) {
      const health = await fetchClusterHealth(url);
      if (health) last = health;
      if (good(health)) return health;
    }
    if (!alive()) return last;
    await sleep(intervalMs);
  }
  return last;
}

/**
 * The version of the node answering at `url`, or undefined.
 *
 * @example
 *   await fetchVersion('http://127.0.0.1:9200') // '9.5.3'
 */
export async function fetchVersion(url: string, timeoutMs = 5_000): Promise<string | undefined> {
  const body = (await getJson(`${url}/_nodes/_local?filter_path=nodes.*.version`, timeoutMs)) as
    | { nodes?: Record<string, { version?: unknown }> }
    | undefined;
  const version = Object.values(body?.nodes ?? {})[0]?.version;
  return typeof version === 'string' ? version : undefined;
}

/** True for the statuses a single node with replica-free indices is usable at. */
export const isUsable = (status: HealthStatus | undefined): boolean => status === 'green' || status === 'yellow';

/**
 * Polls health until yellow/green; gives up at the deadline or as soon as `alive()` says the process died.
 * Returns the last status seen (undefined when it never answered).
 *
 * @example
 *   const status = await waitForHealth(url, { timeoutMs: 120_000, alive: () => isAlive(pid) });
 */
export async function waitForHealth(
  url: string,
  { timeoutMs = 120_000, intervalMs = 500, alive = () => true }: { timeoutMs?: number; intervalMs?: number; alive?: () => boolean } = {},
): Promise<HealthStatus | undefined> {
  const deadline = Date.now() + timeoutMs;
  let status: HealthStatus | undefined;
  while (Date.now() < deadline) {
    status = await fetchHealth(url);
    if (isUsable(status) || !alive()) return status;
    await sleep(intervalMs);
  }
  return status;
}

/**
 * True when something accepts TCP connections on `host:port`.
 *
 * @example
 *   await isPortInUse('127.0.0.1', 9200) // false when nothing listens
 */
export function isPortInUse(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return (await res.json()) as unknown;
  } catch {
    return undefined;
  }
}
