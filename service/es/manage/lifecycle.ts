/**
 * Starting, stopping and inspecting the managed local Elasticsearch: one single node on 127.0.0.1, installed
 * under the cache, run as a dedicated user when the caller is root.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.ts';
import { strataError } from '../../errors.ts';
import { fetchHealth, fetchVersion, isPortInUse, isUsable, waitForHealth, type HealthStatus } from './health.ts';
import { ensureInstalled } from './install.ts';
import { findJdk } from './jdk.ts';
import { withLock } from './lock.ts';
import { diagnose, fileSize, tailFile } from './logs.ts';
import { esPaths, isRootUser, type EsPaths } from './paths.ts';
import { isAlive, runningPid, terminate } from './pid.ts';
import { applyPlugins, installedPlugins, planPlugins, readPluginState, readPluginZip } from './plugins.ts';
import type { Log, Progress } from './progress.ts';
import { esCommand, runCommand, type RunAs } from './run.ts';
import { javaOpts, writeSettings } from './settings.ts';
import { ensureEsUser, handToEsUser } from './user.ts';

/** The managed node always binds loopback: it runs with security off. */
export const ES_HOST = '127.0.0.1';

export type EsConfig = Pick<Config, 'cacheDir' | 'es'>;

export interface StartOptions {
  /** Absolute paths of plugin zips to install (or reinstall when changed) before starting. */
  plugins?: string[];
  log?: Log;
  progress?: Progress;
  /** How long to wait for yellow/green health after launching. */
  timeoutMs?: number;
  isRoot?: boolean;
}

export interface StartResult {
  url: string;
  version: string | undefined;
  /** Undefined when the node answering was not started by strata. */
  pid: number | undefined;
  /** True when a healthy node was already running and nothing was launched. */
  alreadyRunning: boolean;
}

export interface EsStatus {
  running: boolean;
  health: HealthStatus | undefined;
  url: string;
  version: string | undefined;
  pid: number | undefined;
  /** Whether the running node is the one strata manages (it has our pidfile). */
  managed: boolean;
  home: string;
  serverLog: string;
}

const defaultLog: Log = (m) => console.error(m);

/** The URL of the managed node (loopback, `config.es.port`). */
export const localUrl = (config: EsConfig): string => `http://${ES_HOST}:${config.es.port}`;

/**
 * Starts the managed node unless it is already running and healthy: downloads and unpacks on first use, finds a
 * JDK >= 21, installs or refreshes plugin zips (restarting a running node when one changed), writes the settings,
 * launches `bin/elasticsearch -d` and waits for yellow/green health. Failures throw with the reason and the last
 * lines of the server log.
 *
 * @example
 *   const { url } = await startElasticsearch(loadConfig(), { plugins: ['/abs/strata-plugin-9.5.3.zip'] });
 */
export async function startElasticsearch(config: EsConfig, options: StartOptions = {}): Promise<StartResult> {
  const { plugins = [], log = defaultLog, progress, timeoutMs = 180_000, isRoot = isRootUser() } = options;
  const paths = esPaths(config, { isRoot });
  const url = localUrl(config);
  await mkdir(paths.root, { recursive: true });
  return withLock(
    paths.lock,
    async () => {
      const wanted = await Promise.all(plugins.map((zip) => readPluginZip(zip, config.es.version)));
      const pid = await runningPid(paths.pidFile);
      if (!pid && isUsable(await fetchHealth(url))) {
        if (wanted.length > 0) {
          throw strataError('es_port_taken', { host: ES_HOST, port: config.es.port, reason: 'an Elasticsearch not started by strata; plugins cannot be installed into it' });
        }
        log(`an Elasticsearch not started by strata already answers at ${url}; using it`);
        return { url, version: await fetchVersion(url), pid: undefined, alreadyRunning: true };
      }
      await ensureInstalled(paths, config.es.version, { log, ...(progress ? { progress } : {}) });
      const plan = planPlugins(wanted, await readPluginState(paths), await installedPlugins(paths.home));
      if (pid && plan.install.length === 0) {
        const status = await waitForHealth(url, { timeoutMs, alive: () => isAlive(pid!) });
        if (!isUsable(status)) {
          throw await startFailure(paths.serverLog, Math.max(0, (await fileSize(paths.serverLog)) - 8_192), `pid ${pid} runs but health is ${status ?? 'unreachable'} at ${url}`);
        }
        log(`Elasticsearch is already running at ${url} (pid ${pid}, ${status})`);
        return { url, version: await fetchVersion(url), pid, alreadyRunning: true };
      }

      const jdk = await findJdk({ javaHome: config.es.javaHome });
      const runAs: RunAs = { isRoot, user: config.es.user, env: { ES_JAVA_HOME: jdk, ES_JAVA_OPTS: javaOpts(config.es.heap) } };
      if (isRoot) await ensureEsUser(config.es.user);
      await prepareDirs(paths, runAs);
      if (plan.install.length > 0) {
        if (pid) {
          log(`plugin ${plan.install.map((p) => p.name).join(', ')} changed: restarting Elasticsearch (pid ${pid})`);
          await stopProcess(pid, paths);
        }
        await applyPlugins(paths, plan, runAs, log);
      }
      return launch(config, paths, runAs, { url, timeoutMs, log });
    },
    { log },
  );
}

/**
 * Stops the managed node (SIGTERM, then SIGKILL after `timeoutMs`) and waits for it to exit. Returns the pid it
 * stopped, or undefined when it was not running.
 *
 * @example
 *   await stopElasticsearch(loadConfig()); // 12345
 */
export async function stopElasticsearch(config: EsConfig, { log = defaultLog, timeoutMs = 60_000, isRoot = isRootUser() } = {}): Promise<number | undefined> {
  const paths = esPaths(config, { isRoot });
  await mkdir(paths.root, { recursive: true });
  return withLock(
    paths.lock,
    async () => {
      const pid = await runningPid(paths.pidFile);
      if (!pid) {
        if (await isPortInUse(ES_HOST, config.es.port)) log(`no strata-managed Elasticsearch is running; something else listens on port ${config.es.port}`);
        else log('Elasticsearch is not running');
        return undefined;
      }
      log(`stopping Elasticsearch (pid ${pid})`);
      await stopProcess(pid, paths, timeoutMs);
      return pid;
    },
    { log },
  );
}

/**
 * Whether the managed node runs, its health, version and pid.
 *
 * @example
 *   const { running, url, version, pid } = await esStatus(loadConfig());
 */
export async function esStatus(config: EsConfig, { isRoot = isRootUser() } = {}): Promise<EsStatus> {
  const paths = esPaths(config, { isRoot });
  const url = localUrl(config);
  const [pid, health] = await Promise.all([runningPid(paths.pidFile), fetchHealth(url)]);
  const version = health ? await fetchVersion(url) : undefined;
  return { running: pid !== undefined || health !== undefined, health, url, version, pid, managed: pid !== undefined, home: paths.home, serverLog: paths.serverLog };
}

/**
 * The last `lines` lines of the managed node's server log ('' when there is none yet).
 *
 * @example
 *   console.log(await esLogs(loadConfig(), { lines: 100 }));
 */
export async function esLogs(config: EsConfig, { lines = 50, isRoot = isRootUser() } = {}): Promise<string> {
  return tailFile(esPaths(config, { isRoot }).serverLog, lines);
}

async function prepareDirs(paths: EsPaths, runAs: RunAs): Promise<void> {
  for (const dir of [paths.data, paths.logs, paths.run]) await mkdir(dir, { recursive: true });
  if (runAs.isRoot) await handToEsUser(paths, runAs.user);
}

async function launch(config: EsConfig, paths: EsPaths, runAs: RunAs, { url, timeoutMs, log }: { url: string; timeoutMs: number; log: Log }): Promise<StartResult> {
  if (await isPortInUse(ES_HOST, config.es.port)) {
    throw strataError('es_port_taken', { host: ES_HOST, port: config.es.port, reason: 'it does not answer as a healthy Elasticsearch' });
  }
  await writeSettings(paths.home, { host: ES_HOST, port: config.es.port, dataDir: paths.data, logsDir: paths.logs });
  await rm(paths.pidFile, { force: true });
  const logFrom = await fileSize(paths.serverLog);
  log(`starting Elasticsearch ${config.es.version} at ${url} (home ${paths.home})`);
  const command = esCommand(path.join(paths.home, 'bin', 'elasticsearch'), ['-d', '-p', paths.pidFile], runAs);
  // The cwd is where a crashing JVM drops its hs_err file: the home, which the ES user owns.
  const started = await runCommand(command, { timeoutMs, cwd: paths.home });
  const output = `${started.stdout}\n${started.stderr}`;
  if (started.code !== 0) {
    throw await startFailure(paths.serverLog, logFrom, `bin/elasticsearch exited with ${started.code ?? started.error?.message}`, output);
  }
  const pid = await runningPid(paths.pidFile);
  if (!pid) throw await startFailure(paths.serverLog, logFrom, 'the process exited right after starting', output);
  const status = await waitForHealth(url, { timeoutMs, alive: () => isAlive(pid) });
  if (!isUsable(status)) {
    const reason = isAlive(pid) ? `no yellow/green health at ${url} within ${timeoutMs} ms (last: ${status ?? 'no answer'})` : `the process (pid ${pid}) died`;
    throw await startFailure(paths.serverLog, logFrom, reason);
  }
  const version = await fetchVersion(url);
  log(`Elasticsearch ${version ?? '?'} is ${status} at ${url} (pid ${pid})`);
  return { url, version, pid, alreadyRunning: false };
}

async function stopProcess(pid: number, paths: EsPaths, timeoutMs = 60_000): Promise<void> {
  await terminate(pid, paths.pidFile, timeoutMs);
}

/**
 * An `es_start_failed` error naming the recognised reason and quoting the tool's output and what this attempt
 * wrote to the server log (after byte `logFrom`), so an older run's lines are never shown as the cause.
 */
export async function startFailure(serverLog: string, logFrom: number, what: string, output = ''): Promise<Error> {
  const tail = await tailFile(serverLog, 25, { from: logFrom });
  const reason = diagnose(`${output}\n${tail}`);
  const lines = output.trim() ? output.trim().split('\n') : [];
  // The cause is often at the top of the output and a stack trace below it: keep both ends.
  const shown = lines.length > 24 ? [...lines.slice(0, 12), '...', ...lines.slice(-10)] : lines;
  const parts = [
    shown.length > 0 && `output:\n${shown.join('\n')}`,
    tail ? `last lines of ${serverLog}:\n${tail}` : `nothing new in ${serverLog}`,
  ].filter(Boolean);
  return strataError('es_start_failed', { reason: `${reason ? `${reason}; ` : ''}${what}\n${parts.join('\n')}` });
}
