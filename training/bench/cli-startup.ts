/**
 * Start-up time of the `strata` command: `strata --help` and `strata --version` as users run them (`node
 * bin/strata.js`, tsx's loader), against the eager start-up the CLI had before verbs were loaded lazily (every
 * verb module imported, then `--help`), and a bare `node` for scale. The variants alternate run by run, so machine
 * load hits them alike; medians are reported. Writes `reports/bench-cli-startup.json`.
 *
 *   flock -x /work/locks/bench.lock npx tsx training/bench/cli-startup.ts [--runs 10]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './summarise-timings.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

// The pre-change behaviour: main.ts imported every verb module (and their dependencies) before parsing.
const EAGER = `const { VERBS } = await import('./service/cli/commands/index.ts');
const { Command } = await import('commander');
const { loadConfig } = await import('./service/config.ts');
const program = new Command('strata');
for (const v of VERBS) (await v.load()).register(program, loadConfig());
program.parse(['node', 'strata', '--help']);`;

const VARIANTS: Record<string, string[]> = {
  'node -e 0 (no tsx)': ['-e', '0'],
  'strata --help': ['bin/strata.js', '--help'],
  'strata --version': ['bin/strata.js', '--version'],
  'eager start-up (all verbs imported), --help': ['--import', 'tsx', '--input-type=module', '-e', EAGER],
};

function timeOnce(args: string[]): number {
  const started = performance.now();
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  return performance.now() - started;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, out: { type: 'string', default: 'reports/bench-cli-startup.json' } } });
const runs = Number(values.runs);
const loadBefore = os.loadavg();
console.log(`load average at start: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} (${os.availableParallelism()} cores)`);
for (const args of Object.values(VARIANTS)) timeOnce(args); // warm tsx's transform cache and the page cache
const times: Record<string, number[]> = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
for (let run = 0; run < runs; run++) {
  for (const [name, args] of Object.entries(VARIANTS)) times[name]!.push(timeOnce(args));
}
const summary = Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, { medianMs: median(xs), minMs: Math.min(...xs), maxMs: Math.max(...xs) }]));
const lazy = summary['strata --help']!.medianMs;
const eager = summary['eager start-up (all verbs imported), --help']!.medianMs;
console.log('| command | median ms | min | max |');
console.log('|---|---:|---:|---:|');
for (const [k, s] of Object.entries(summary)) console.log(`| ${k} | ${s.medianMs.toFixed(0)} | ${s.minMs.toFixed(0)} | ${s.maxMs.toFixed(0)} |`);
console.log(`eager / lazy --help: ${(eager / lazy).toFixed(2)}x`);
const loadAfter = os.loadavg();
console.log(`load average at end: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
await mkdir(path.dirname(path.resolve(ROOT, values.out!)), { recursive: true });
await writeFile(
  path.resolve(ROOT, values.out!),
  JSON.stringify({ runs, loadBefore, loadAfter, summary, eagerOverLazy: eager / lazy, times }, null, 2),
);
console.log(`report: ${values.out}`);
