/**
 * A cross-process lock as a folder (`mkdir` is atomic): model preparation and conversion hold it, so two
 * processes (or two pool workers) never write the same model files at once.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Runs `fn` holding the lock folder `lock`; waits for another holder, and takes over a lock older than `staleMs`
 * (its holder died).
 *
 * @example await withLock(`${dir}.lock`, console.log, () => convertModel(dir));
 */
export async function withLock<T>(lock: string, log: (m: string) => void, fn: () => Promise<T>, staleMs = 30 * 60_000): Promise<T> {
  await mkdir(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 1000) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > staleMs) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 30_000 === 0) log(`waiting for another process preparing the model (${lock})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
