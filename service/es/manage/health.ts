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
