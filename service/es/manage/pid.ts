/**
 * The managed node's process: its pidfile, whether it is alive and still Elasticsearch (pids get reused), and
 * waiting for it to exit.
 */
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { strataError } from '../../errors.ts';

/**
 * True while `pid` runs (EPERM means it exists but belongs to another user). A zombie counts as gone: ES is
 * orphaned by its launcher, and an init that reaps lazily (as in some VMs) can leave it a zombie for seconds.
 *
 * @example
 *   isAlive(process.pid) // true
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return processState(pid) !== 'Z';
}

/** The state letter in `/proc/<pid>/stat` (R, S, Z, ...), or undefined without /proc. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and its command line is an Elasticsearch JVM (assumed true without /proc). */
export async function isElasticsearch(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline === undefined || cmdline.includes('org.elasticsearch');
}

/**
 * The pid in the pidfile when that process is a live Elasticsearch, else undefined.
 *
 * @example
 *   await runningPid('/var/lib/strata/es/run/elasticsearch.pid') // 12345
 */
export async function runningPid(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 && (await isElasticsearch(pid)) ? pid : undefined;
}

/** Waits until `pid` is gone; true when it exited within `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(250);
  }
  return true;
}

/**
 * Stops an Elasticsearch process: SIGTERM, then SIGKILL when it is still there after `timeoutMs`; removes its
 * pidfile once it is gone.
 *
 * @example
 *   await terminate(12345, '/var/lib/strata/es/run/elasticsearch.pid');
 */
export async function terminate(pid: number, pidFile: string, timeoutMs = 60_000): Promise<void> {
  signal(pid, 'SIGTERM');
  if (!(await waitForExit(pid, timeoutMs))) {
    signal(pid, 'SIGKILL');
    if (!(await waitForExit(pid, 10_000))) throw strataError('es_stop_failed', { reason: `pid ${pid} survived SIGKILL` });
  }
  await rm(pidFile, { force: true });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw strataError('es_stop_failed', { reason: `kill ${pid}: ${(err as Error).message}` });
  }
}
