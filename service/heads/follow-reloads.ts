/**
 * Service replicas sharing one head directory follow each other's reloads. A reload on any replica writes a new
 * generation to `<dir>/.reload` (atomically: written aside, then renamed); every replica polls that small file and
 * reloads its own store when the generation changes. So after `POST /v1/models/reload` on one replica, the others
 * serve the same artifacts within one poll interval plus the time to load them. Artifacts copied into the
 * directory are not picked up on their own: as on one replica, they serve after a reload.
 *
 * A poll rather than `fs.watch`: change events do not cross NFS or most container volume mounts, and stat plus a
 * read of a few bytes a second costs nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { HeadStore } from './store.ts';

/** The file the generation lives in, inside the head directory (not a `.json`: the store ignores it). */
export const RELOAD_FILE = '.reload';

export interface FollowOptions {
  dir: string;
  /** How often to look at the generation file (0: never; reloads on other replicas are then not followed). */
  intervalMs: number;
  log?: (message: string) => void;
}

/** A head store that announces its reloads and follows other replicas' reloads; `close()` stops the poll. */
export interface FollowingHeadStore extends HeadStore {
  /** Checks the generation file once now (what the timer does every interval); true when it reloaded. */
  poll(): Promise<boolean>;
}

/**
 * Reads the generation in `<dir>/.reload` ('' when there is none yet).
 *
 * @example await readGeneration('/var/lib/strata/heads') // '5d0c...-...'
 */
export async function readGeneration(dir: string): Promise<string> {
  const text = await readFile(path.join(dir, RELOAD_FILE), 'utf8').catch(() => '');
  try {
    const parsed = JSON.parse(text) as { generation?: unknown };
    return typeof parsed.generation === 'string' ? parsed.generation : '';
  } catch {
    return ''; // missing, or written by something else: no generation
  }
}

/**
 * Wraps `store` so its `reload()` also announces a new generation, and polls for generations other replicas wrote.
 *
 * @example
 *   const heads = await followReloads(await openHeadStore({ dir, rerankFeatures }), { dir, intervalMs: 1000 });
 *   await heads.reload(); // the other replicas reload within ~1 s
 */
export async function followReloads(store: HeadStore, { dir, intervalMs, log = (m) => console.warn(m) }: FollowOptions): Promise<FollowingHeadStore> {
  let seen = await readGeneration(dir);
  // One reload at a time: a poll that finds a new generation while a reload runs waits for the next tick.
  let busy: Promise<unknown> = Promise.resolve();
  let running = false;
  let warnedWrite = false;

  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = busy.then(async () => {
      running = true;
      try {
        return await fn();
      } finally {
        running = false;
      }
    });
    busy = run.catch(() => undefined);
    return run;
  };

  async function announce(): Promise<void> {
    const generation = randomUUID();
    const file = path.join(dir, RELOAD_FILE);
    const temp = `${file}.${process.pid}.${generation.slice(0, 8)}`;
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(temp, `${JSON.stringify({ generation, at: new Date().toISOString(), host: hostname(), pid: process.pid })}\n`);
      await rename(temp, file);
      seen = generation;
    } catch (err) {
      // A read-only head directory still serves; only the other replicas will not follow this reload.
      if (!warnedWrite) log(`strata: could not announce the reload in ${file} (${(err as Error).message}); other replicas will not follow it`);
      warnedWrite = true;
    }
  }

  async function poll(): Promise<boolean> {
    if (running) return false;
    const generation = await readGeneration(dir);
    if (generation === seen || generation === '') return false;
    return exclusive(async () => {
      seen = generation;
      const { refused } = await store.reload();
      for (const { file, error } of refused) log(`strata: head artifact refused on reload, previous version keeps serving: ${file}: ${error}`);
      return true;
    });
  }

  const timer = intervalMs > 0 ? setInterval(() => void poll().catch((err: unknown) => log(`strata: following head reloads failed: ${String(err)}`)), intervalMs) : undefined;
  timer?.unref();

  return {
    get: (name, task, tenant) => store.get(name, task, tenant),
    has: (name, tenant) => store.has(name, tenant),
    list: (tenant) => store.list(tenant),
    refused: (tenant) => store.refused(tenant),
    reload: () =>
      exclusive(async () => {
        const result = await store.reload();
        await announce();
        return result;
      }),
    poll,
    close() {
      if (timer) clearInterval(timer);
      store.close();
    },
  };
}
