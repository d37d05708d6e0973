/**
 * Report output for the training verbs: `<dir>/<name>.json` and `<dir>/<name>.md` (and optional extra files
 * such as an SVG chart), plus a markdown table helper and stderr progress that overwrites one line.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The command line that is running, as a user would type it again: `strata <verb> ...` for the CLI, `npx tsx
 * <script> ...` for a script; arguments with spaces or quotes are shell-quoted.
 *
 * @example commandLine(['node', '/repo/service/cli/main.ts', 'eval', 'rerank', '--index', 'products']) // 'strata eval rerank --index products'
 */
export function commandLine(argv: readonly string[] = process.argv, cwd = process.cwd()): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const script = argv[1] ?? '';
  const args = argv.slice(2).map(quote);
  if (/(service\/cli\/main\.ts|bin\/strata(\.js)?)$/.test(script)) return ['strata', ...args].join(' ');
  const rel = path.isAbsolute(script) ? path.relative(cwd, script) : script;
  return ['npx tsx', quote(rel.startsWith('..') ? script : rel), ...args].join(' ');
}

/**
 * Writes a JSON report and its markdown rendering; returns the paths written. An object report gets a `command`
 * field (the command line that made it) unless it has one, so the web page can show how to make it again.
 *
 * @example await writeReport('reports', 'banking77', { accuracy: 0.8 }, '| a |\n');
 */
export async function writeReport(dir: string, name: string, json: unknown, markdown: string, extra: Record<string, string> = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = [path.join(dir, `${name}.json`), path.join(dir, `${name}.md`)];
  const withCommand = typeof json === 'object' && json !== null && !Array.isArray(json) && !('command' in json) ? { command: commandLine(), ...json } : json;
  await writeFile(files[0]!, `${JSON.stringify(withCommand, null, 2)}\n`);
  await writeFile(files[1]!, markdown);
  for (const [file, text] of Object.entries(extra)) {
    const f = path.join(dir, file);
    await writeFile(f, text);
    files.push(f);
  }
  return files;
}

/**
 * A markdown table (cells are printed as given; numbers with `digits` decimals).
 *
 * @example markdownTable(['system', 'nDCG@10'], [['bm25', 0.52]]) // '| system | nDCG@10 |\n|---|---|\n| bm25 | 0.520 |\n'
 */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, digits = 3): string {
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : v.replace(/\|/g, '\\|'));
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n') + '\n';
}

/**
 * A progress printer on stderr: `<label> <what>: done/total`, one line rewritten on a terminal (a newline when done),
 * plain lines every 5 s and at the end of each stage elsewhere (a log would otherwise hold one endless line).
 *
 * @example const p = progress('embedding'); p(10, 100); p(100, 100);
 */
export function progress(
  label: string,
  { enabled = true, tty = process.stderr.isTTY === true, write = (s: string) => void process.stderr.write(s), everyMs }: { enabled?: boolean; tty?: boolean; write?: (s: string) => void; everyMs?: number } = {},
): (done: number, total: number, extra?: string) => void {
  // On a terminal one line is redrawn; in a log (CI, a pipe) a plain line every few seconds and at each end.
  const interval = everyMs ?? (tty ? 250 : 5000);
  let last = 0;
  return (done, total, extra = '') => {
    if (!enabled) return;
    const now = Date.now();
    if (done < total && now - last < interval) return;
    last = now;
    const line = `${[label, extra].filter(Boolean).join(' ')}: ${done}/${total}`;
    write(tty ? `\r${line}${done >= total ? '\n' : ''}` : `${line}\n`);
  };
}
