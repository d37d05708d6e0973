/** `strata serve`: run the HTTP service until interrupted. */
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { start } from '../../app/start.ts';

/** Resolves when the process is asked to stop (Ctrl-C or SIGTERM). */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export function register(program: Command, config: Config): void {
  program
    .command('serve')
    .description('start the Strata HTTP service')
    .option('-p, --port <port>', 'port to listen on', String(config.service.port))
    .action(async (flags: { port: string }) => {
      const svc = await start({ ...config, service: { ...config.service, port: Number(flags.port) } });
      console.log(`strata service listening on ${svc.url} (web page: ${svc.url}/)`);
      await untilSignal();
      await svc.close();
    });
}
