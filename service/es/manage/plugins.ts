/**
 * Installing plugin zips into the managed home before it starts. Each zip's sha256 is recorded, so an unchanged
 * zip is skipped and a rebuilt one is removed and installed again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, copyFile, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { strataError } from '../../errors.ts';
import type { EsPaths } from './paths.ts';
import type { Log } from './progress.ts';
import { describeFailure, esCommand, runCommand, type RunAs } from './run.ts';
import { readZipEntry } from './zip.ts';

export interface PluginZip {
  zip: string;
  name: string;
  sha256: string;
}

/** `<name> -> { sha256, zip }` of every plugin this project installed into the home. */
export type PluginState = Record<string, { sha256: string; zip: string }>;

/**
 * The key/value pairs of a Java properties file (the subset plugin descriptors use: `key=value`, `#` comments).
 *
 * @example
 *   parseProperties('name=strata\nversion=1.0') // { name: 'strata', version: '1.0' }
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/**
 * Reads a plugin zip: its name from `plugin-descriptor.properties` and its sha256. Throws `es_plugin_failed`
 * when the file is missing, is not a plugin, or targets another Elasticsearch version.
 *
 * @example
 *   await readPluginZip('/work/main/plugin/target/strata-plugin.zip', '9.5.3') // { name: 'strata', ... }
 */
export async function readPluginZip(zip: string, esVersion: string): Promise<PluginZip> {
  const fail = (reason: string) => strataError('es_plugin_failed', { plugin: zip, reason });
  if (!path.isAbsolute(zip)) throw fail('give the plugin zip as an absolute path');
  if (!(await access(zip).then(() => true, () => false))) throw fail('no such file');
  const descriptor = await readZipEntry(zip, 'plugin-descriptor.properties').catch((err: unknown) => {
    throw fail(`not a readable zip (${err instanceof Error ? err.message : String(err)})`);
  });
  if (descriptor === undefined) throw fail('not a plugin zip: no plugin-descriptor.properties at its root');
  const props = parseProperties(descriptor);
  if (!props.name) throw fail('plugin-descriptor.properties has no name');
  if (props['elasticsearch.version'] !== esVersion) {
    throw fail(`built for Elasticsearch ${props['elasticsearch.version'] ?? '(unset)'}, this node is ${esVersion}`);
  }
  const hash = createHash('sha256');
  await pipeline(createReadStream(zip), hash);
  return { zip, name: props.name, sha256: hash.digest('hex') };
}

/**
 * Which plugins must be (re)installed: those not in the home, or recorded with another sha256. Plugins installed
 * earlier but not asked for now are left alone.
 *
 * @example
 *   planPlugins([zip], { strata: { sha256: 'old', zip } }, ['strata']) // { install: [zip], remove: ['strata'] }
 */
export function planPlugins(wanted: PluginZip[], state: PluginState, installed: string[]): { install: PluginZip[]; remove: string[] } {
  const install = wanted.filter((p) => !installed.includes(p.name) || state[p.name]?.sha256 !== p.sha256);
  return { install, remove: install.map((p) => p.name).filter((name) => installed.includes(name)) };
}

/** Names of the plugins present in `<home>/plugins`. */
export async function installedPlugins(home: string): Promise<string[]> {
  const entries = await readdir(path.join(home, 'plugins'), { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
}

export async function readPluginState(paths: EsPaths): Promise<PluginState> {
  return JSON.parse(await readFile(paths.pluginState, 'utf8').catch(() => '{}')) as PluginState;
}

/**
 * Removes and installs plugins per `planPlugins` with `elasticsearch-plugin` (run as the ES user, `--batch`
 * accepting the entitlement prompt); the zip is copied into the run directory first so that user can read it.
 *
 * @example
 *   await applyPlugins(paths, plan, runAs, console.error);
 */
export async function applyPlugins(paths: EsPaths, plan: { install: PluginZip[]; remove: string[] }, runAs: RunAs, log: Log): Promise<void> {
  const cli = path.join(paths.home, 'bin', 'elasticsearch-plugin');
  const state = await readPluginState(paths);
  for (const name of plan.remove) {
    log(`removing plugin ${name}`);
    const removed = await runCommand(esCommand(cli, ['remove', name], runAs), { cwd: paths.home });
    if (removed.code !== 0) throw strataError('es_plugin_failed', { plugin: name, reason: `remove failed: ${describeFailure(removed)}` });
    delete state[name];
    await writeFile(paths.pluginState, JSON.stringify(state, null, 2));
  }
  for (const plugin of plan.install) {
    log(`installing plugin ${plugin.name} from ${plugin.zip}`);
    const staged = path.join(paths.run, `plugin-${plugin.name}.zip`);
    await copyFile(plugin.zip, staged);
    if (runAs.isRoot) await runCommand({ file: 'chown', args: [`${runAs.user}:`, staged] });
    try {
      const result = await runCommand(esCommand(cli, ['install', '--batch', `file://${staged}`], runAs), { timeoutMs: 300_000, cwd: paths.home });
      if (result.code !== 0) throw strataError('es_plugin_failed', { plugin: plugin.name, reason: `install failed: ${describeFailure(result)}` });
    } finally {
      await rm(staged, { force: true });
    }
    state[plugin.name] = { sha256: plugin.sha256, zip: plugin.zip };
    await writeFile(paths.pluginState, JSON.stringify(state, null, 2));
  }
}
