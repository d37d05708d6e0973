/**
 * The dedicated system user ES runs as when the caller is root (ES refuses to run as root): created on first
 * use, owning the home, data, logs and run directories.
 */
import { mkdir } from 'node:fs/promises';
import { strataError } from '../../errors.ts';
import type { EsPaths } from './paths.ts';
import { describeFailure, runCommand } from './run.ts';

/**
 * Creates `user` as a system user without a login or home directory unless it exists.
 *
 * @example
 *   await ensureEsUser('strata-es');
 */
export async function ensureEsUser(user: string): Promise<void> {
  if (user === 'root') throw strataError('es_setup_failed', { reason: 'STRATA_ES_USER must not be root (Elasticsearch refuses it)' });
  if ((await runCommand({ file: 'id', args: ['-u', user] })).code === 0) return;
  const created = await runCommand({
    file: 'useradd',
    args: ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user],
  });
  if (created.code !== 0) throw strataError('es_setup_failed', { reason: `useradd ${user} failed: ${describeFailure(created)}` });
}

/**
 * Hands the home, data, logs and run directories to `user`, then checks that it can actually reach the home
 * (an ancestor directory such as root's own home, mode 700, would block it).
 *
 * @example
 *   await handToEsUser(esPaths(config), 'strata-es');
 */
export async function handToEsUser(paths: EsPaths, user: string): Promise<void> {
  const dirs = [paths.home, paths.data, paths.logs, paths.run];
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  const chown = await runCommand({ file: 'chown', args: ['-R', `${user}:`, ...dirs] });
  if (chown.code !== 0) throw strataError('es_setup_failed', { reason: `chown to ${user} failed: ${describeFailure(chown)}` });
  const probe = await runCommand({ file: 'runuser', args: ['-u', user, '--', 'test', '-x', `${paths.home}/bin/elasticsearch`] });
  if (probe.code !== 0) {
    throw strataError('es_setup_failed', {
      reason: `the user ${user} cannot reach ${paths.home} (a parent directory is closed to it); set STRATA_ES_DIR to a directory it can reach`,
    });
  }
}

/**
 * Hands directories of a cluster node (its config, data, logs and run directories) to `user`, with the shared
 * home (which `handToEsUser` does for the single node).
 *
 * @example
 *   await handNodeToEsUser(esPaths(config).home, [node.config, node.data, node.logs, node.run], 'strata-es');
 */
export async function handNodeToEsUser(home: string, dirs: string[], user: string): Promise<void> {
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  const chown = await runCommand({ file: 'chown', args: ['-R', `${user}:`, home, ...dirs] });
  if (chown.code !== 0) throw strataError('es_setup_failed', { reason: `chown to ${user} failed: ${describeFailure(chown)}` });
}
