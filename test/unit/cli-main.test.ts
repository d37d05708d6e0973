/**
 * The CLI's start-up: `--help` and `--version` load no verb module (nor the Elasticsearch client, onnxruntime or
 * sharp), every verb module is listed in the lazy table and registers the verb it is listed under, and progress
 * lines for non-TTY output are throttled as documented.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { VERBS } from '../../service/cli/commands/index.ts';
import { plainProgress } from '../../service/cli/progress.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

// Prints, at exit, the npm packages the process loaded through the CommonJS loader (where the heavy ones live).
const LOADED_PACKAGES_HOOK = `data:text/javascript,${encodeURIComponent(
  'import { createRequire } from "node:module"; const r = createRequire("/x.js");' +
    'process.on("exit", () => console.error("LOADED " + JSON.stringify(Object.keys(r.cache).filter((k) => k.includes("/node_modules/")))));',
)}`;

async function strata(args: string[]) {
  return run(process.execPath, ['--import', LOADED_PACKAGES_HOOK, 'bin/strata.js', ...args], { cwd: ROOT });
}

function loaded(stderr: string): string[] {
  return JSON.parse(/LOADED (.*)/.exec(stderr)![1]!) as string[];
}

describe('strata start-up', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await strata(['--version']);
    expect(stdout.trim()).toBe(pkg.version);
  }, 30_000);

  it('--help lists every verb without loading the heavy dependencies', async () => {
    const { stdout, stderr } = await strata(['--help']);
    for (const v of VERBS) expect(stdout).toMatch(new RegExp(`^  ${v.name} `, 'm'));
    const heavy = loaded(stderr).filter((f) => /node_modules\/(@elastic|onnxruntime-node|sharp|@img|piscina|zod|undici)\//.test(f));
    expect(heavy).toEqual([]);
  }, 30_000);

  it('a verb\'s own --help loads that verb and shows its options', async () => {
    const { stdout } = await strata(['index', '--help']);
    expect(stdout).toMatch(/--progress-every <seconds>/);
    expect(stdout).toMatch(/--skip-invalid/);
  }, 30_000);

  it('lists every module under commands/ and each registers the verb it is listed under', async () => {
    const files = (await readdir(path.join(ROOT, 'service/cli/commands'))).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    expect(VERBS.length).toBe(files.length);
    const config = loadConfig({});
    for (const verb of VERBS) {
      const program = new Command('strata');
      (await verb.load()).register(program, config);
      expect(program.commands.map((c) => c.name())).toEqual([verb.name]);
    }
  }, 60_000);
});

describe('plainProgress', () => {
  it('writes at most one line per interval and flushes the last held-back update', () => {
    let t = 0;
    const lines: string[] = [];
    const p = plainProgress({ label: 'indexing', everyMs: 1000, now: () => t, write: (l) => lines.push(l) });
    p.update({ done: 1, text: '1 indexed' });
    t = 500;
    p.update({ done: 2, text: '2 indexed' });
    t = 1000;
    p.update({ done: 3, text: '3 indexed' });
    t = 1200;
    p.update({ done: 4, text: '4 indexed' });
    p.flush();
    p.flush();
    expect(lines).toEqual(['indexing: 1 indexed', 'indexing: 3 indexed', 'indexing: 4 indexed']);
  });

  it('with a total, also writes each time the percentage passes a step', () => {
    const lines: string[] = [];
    const p = plainProgress({ label: 'build', everyMs: 60_000, everyPercent: 25, now: () => 0, write: (l) => lines.push(l) });
    for (let done = 0; done <= 100; done += 10) p.update({ done, total: 100, text: `${done}/100` });
    expect(lines).toEqual(['build: 0% 0/100', 'build: 30% 30/100', 'build: 50% 50/100', 'build: 80% 80/100', 'build: 100% 100/100']);
  });
});
