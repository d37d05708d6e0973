/**
 * A lock file around start/stop/plugin installs, so two callers (two test runs, a test run and the CLI) never
 * unpack, configure or launch into the same home at once. It holds the owner's pid; a lock whose owner is dead
 * is stale and taken over.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { strataError } from '../../errors.ts';
import { isAlive } from './pid.ts';
import type { Log } from './progress.ts';

/**
 * Runs `fn` while holding the lock at `file`, waiting up to `timeoutMs` for another holder.
 *
 * @example
 *   await withLock(paths.lock, () => launch(), { log: console.error });
 */
export async function withLock<T>(file: string, fn: () => Promise<T>, { timeoutMs = 15 * 60_000, log = (() => undefined) as Log } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const handle = await open(file, 'wx').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return undefined;
      throw err;
    });
    if (handle) {
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    // No pid yet may mean the holder is between open and write: only a lock that stays empty is stale.
    const stale = Number.isInteger(owner) && owner > 0 ? !isAlive(owner) : Date.now() - (await mtime(file)) > 5_000;
    if (stale) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw strataError('es_setup_failed', { reason: `${file} is held by pid ${owner} for too long` });
    if (!told) log(`waiting for another strata process (pid ${owner}) working on Elasticsearch`);
    told = true;
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}

const mtime = (file: string) => stat(file).then((s) => s.mtimeMs, () => Date.now());
