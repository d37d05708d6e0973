/**
 * Making sure the Elasticsearch home exists: download the zip once, unpack it beside a temporary name and rename
 * it into place, so an interrupted unpack never leaves a half home that looks installed.
 */
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { strataError } from '../../errors.ts';
import { distributionUrl, downloadFile, ensureFreeSpace } from './download.ts';
import type { EsPaths } from './paths.ts';
import { consoleProgress, type Log, type Progress } from './progress.ts';
import { extractZip } from './zip.ts';

const exists = (p: string) => access(p).then(() => true, () => false);

export interface InstallOptions {
  log?: Log;
  progress?: Progress;
  /** Maven repository to download from (tests point it at a local server). */
  repository?: string;
}

/**
 * Downloads (if not cached) and unpacks (if not unpacked) ES `version` into `paths.home`; returns whether
 * anything was done.
 *
 * @example
 *   await ensureInstalled(esPaths(config), config.es.version, { log: console.error });
 */
export async function ensureInstalled(paths: EsPaths, version: string, options: InstallOptions = {}): Promise<boolean> {
  const { log = () => undefined, repository } = options;
  if (await exists(path.join(paths.home, 'bin', 'elasticsearch'))) return false;
  await mkdir(paths.root, { recursive: true });
  if (!(await exists(paths.zip))) {
    const url = distributionUrl(version, repository);
    const progress = options.progress ?? consoleProgress(path.basename(paths.zip), log);
    const got = await downloadFile(url, paths.zip, { progress, log });
    log(`downloaded ${path.basename(paths.zip)} (${got.bytes} bytes, sha256 ${got.sha256}${got.verified ? `, ${got.verified.algorithm} verified` : ''})`);
  }
  await ensureFreeSpace(paths.root, 400 * 1024 * 1024, paths.zip).catch((err: unknown) => {
    throw strataError('es_setup_failed', { reason: err instanceof Error ? err.message : String(err) });
  });
  const staging = path.join(paths.root, `.unpack-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    log(`unpacking ${path.basename(paths.zip)}`);
    await extractZip(paths.zip, staging);
    const unpacked = path.join(staging, path.basename(paths.home));
    if (!(await exists(path.join(unpacked, 'bin', 'elasticsearch')))) {
      throw new Error(`${paths.zip} has no ${path.basename(paths.home)}/bin/elasticsearch; delete it to download again`);
    }
    await rm(paths.home, { recursive: true, force: true });
    await rename(unpacked, paths.home);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOSPC' ? `disk full unpacking into ${paths.root}` : err instanceof Error ? err.message : String(err);
    throw strataError('es_setup_failed', { reason });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return true;
}
