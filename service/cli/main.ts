/**
 * The `strata` command line. Each verb lives in its own module under `commands/` and registers itself on the
 * program; errors from the catalogue print their message (and details) and exit non-zero.
 */
import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { StrataError } from '../errors.ts';
import { registerCommands } from './commands/index.ts';

const program = new Command('strata')
  .description('Strata: hybrid retrieval and metadata-aware reranking on Elasticsearch')
  .showHelpAfterError();

try {
  registerCommands(program, loadConfig());
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof StrataError) {
    console.error(`strata: ${err.message}`);
    if (err.details !== undefined) console.error(JSON.stringify(err.details, null, 2));
  } else {
    console.error(`strata: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exitCode = 1;
}
