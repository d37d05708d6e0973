/**
 * The `strata` command line. Each verb lives in its own module under `commands/`; only the verb being run is
 * loaded (see `commands/index.ts`), so `--help` and `--version` do not pay for the Elasticsearch client,
 * onnxruntime or sharp. Errors from the catalogue print their message (and details) and exit non-zero.
 *
 * @example
 *   npx strata --version
 *   npx strata index catalog.jsonl --index products
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { StrataError } from '../errors.ts';
import { findVerb, VERBS } from './commands/index.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('strata')
  .description('Strata: hybrid retrieval and metadata-aware reranking on Elasticsearch')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError();

try {
  // `strata <verb> ...` and `strata help <verb>` load that verb; anything else (`--help`, `--version`, a typo) gets
  // one-line entries for every verb, enough for the overview and for commander's "unknown command" suggestion.
  const args = process.argv.slice(2);
  const verb = findVerb(args[0] === 'help' ? args[1] : args[0]);
  if (verb) {
    const { loadConfig } = await import('../config.ts');
    (await verb.load()).register(program, loadConfig());
  } else {
    for (const v of VERBS) program.command(v.name).description(v.summary);
  }
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
