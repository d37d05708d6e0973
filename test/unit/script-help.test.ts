import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { leadingDocComment } from '../../training/script-help.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('--help for training scripts', () => {
  it('takes the first doc comment without its markers', () => {
    expect(leadingDocComment('// x\n/**\n * Does X.\n *\n *   npx tsx a.ts [--n 3]\n */\nexport const a = 1; /** later */')).toBe('Does X.\n\n  npx tsx a.ts [--n 3]');
    expect(leadingDocComment('export const a = 1;')).toBe('');
  });

  it('prints the usage of a real script and exits 0 instead of refusing the flag', async () => {
    const script = 'training/scripts/fashion-catalog.ts';
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--help'], { cwd: ROOT });
    expect(stdout).toContain('npx tsx training/scripts/fashion-catalog.ts [--data DIR]');
    expect(stdout).toBe(`${leadingDocComment(await readFile(path.join(ROOT, script), 'utf8'))}\n`);
  }, 30_000);
});
