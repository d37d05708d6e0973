/**
 * `strata es start|stop|status|logs`: the managed local Elasticsearch (see service/es/manage/).
 *
 * @example
 *   npx tsx service/cli/main.ts es start --plugin plugin/target/strata-9.5.3.zip
 *   npx tsx service/cli/main.ts es logs -n 100
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { esLogs, esStatus, startElasticsearch, stopElasticsearch } from '../../es/manage/index.ts';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got "${value}"`);
  return n;
};

/** Adds the `es` verb and its subcommands to the program. */
export function register(program: Command, config: Config): void {
  const es = program.command('es').description(`a local Elasticsearch ${config.es.version} for development and tests`);

  es.command('start')
    .description('download (first time), install plugins, start and wait for health; does nothing when already running')
    .option('-p, --plugin <zip...>', 'plugin zip(s) to install (reinstalled when the zip changes)')
    .option('-t, --timeout <ms>', 'how long to wait for yellow/green health', positiveInt, 180_000)
    .action(async (opts: { plugin?: string[]; timeout: number }) => {
      const plugins = (opts.plugin ?? []).map((p) => path.resolve(p));
      const result = await startElasticsearch(config, { plugins, timeoutMs: opts.timeout });
      console.log(`${result.alreadyRunning ? 'already running' : 'started'}: ${result.url} (version ${result.version ?? '?'}${result.pid ? `, pid ${result.pid}` : ''})`);
    });

  es.command('stop')
    .description('stop the node started by `strata es start` and wait for it to exit')
    .action(async () => {
      const pid = await stopElasticsearch(config);
      console.log(pid ? `stopped (pid ${pid})` : 'not running');
    });

  es.command('status')
    .description('running or not, url, version, pid (exit code 3 when not running)')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await esStatus(config);
      if (opts.json) console.log(JSON.stringify(status, null, 2));
      else if (!status.running) console.log(`not running (${status.url})`);
      else {
        const who = status.managed ? `pid ${status.pid}` : 'not started by strata';
        console.log(`running: ${status.url} (health ${status.health ?? 'unknown'}, version ${status.version ?? '?'}, ${who})`);
      }
      if (!status.running) process.exitCode = 3;
    });

  es.command('logs')
    .description('print the last lines of the server log')
    .option('-n, --lines <n>', 'how many lines', positiveInt, 50)
    .action(async (opts: { lines: number }) => {
      const text = await esLogs(config, { lines: opts.lines });
      console.log(text || '(no server log yet)');
    });
}
