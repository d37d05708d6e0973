/**
 * `--help` for the scripts under training/: prints the script's leading doc comment (which holds its usage line)
 * and exits, before `parseArgs` would refuse the unknown flag.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The text of the first `/** ... *\/` block of a source file, without the comment markers.
 *
 * @example leadingDocComment('/**\n * Does X.\n *\/\nexport {}') // 'Does X.'
 */
export function leadingDocComment(source: string): string {
  const m = /\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!m) return '';
  return m[1]!
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/**
 * Prints the calling script's doc comment and exits 0 when `--help` or `-h` is among the arguments.
 *
 * @example exitWithHelpIfAsked(import.meta.url);
 */
export function exitWithHelpIfAsked(moduleUrl: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  console.log(leadingDocComment(readFileSync(fileURLToPath(moduleUrl), 'utf8')));
  process.exit(0);
}
