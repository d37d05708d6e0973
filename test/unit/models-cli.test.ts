import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../service/cli/commands/models.ts';
import { loadConfig } from '../../service/config.ts';
import { tinyTokenizerJson, writeTinyBert } from './models-fixtures.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'strata-models-cli-'));
  await writeTinyBert(path.join(root, 'src', 'tiny'), {});
  await writeFile(path.join(root, 'src', 'tiny', 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs `strata models ...` in-process; returns what it printed on stdout. */
async function strata(...args: string[]): Promise<string> {
  const config = loadConfig({ STRATA_CACHE_DIR: path.join(root, 'cache'), STRATA_MODELS_DIR: path.join(root, 'models') });
  const program = new Command('strata').exitOverride();
  register(program, config);
  const lines: string[] = [];
  const out = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await program.parseAsync(['node', 'strata', 'models', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines.join('\n');
}

describe('strata models', () => {
  it('imports, converts (with int8) and lists a model', async () => {
    expect(await strata('list')).toMatch(/no models in/);
    expect(await strata('import', path.join(root, 'src', 'tiny'), '--name', 'acme/tiny')).toMatch(/^acme\/tiny: /);
    expect(await strata('convert', 'acme/tiny', '--int8')).toMatch(/BertModel \(2 layers, hidden 32, mean pooling\): .*model\.onnx, .*model_int8\.onnx/);
    const listed = JSON.parse(await strata('list', '--json')) as Array<{ name: string; source: string; architecture: string; onnx: Record<string, number> }>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: 'acme/tiny', source: 'folder', architecture: 'BertModel' });
    expect(Object.keys(listed[0]!.onnx).sort()).toEqual(['fp32', 'int8']);
    expect(await strata('list')).toMatch(/acme\/tiny {2}\[folder, BertModel\] {2}fp32 [\d.]+ MB, int8 [\d.]+ MB/);
  });

  it('rejects an unknown pooling mode', async () => {
    await expect(strata('convert', 'acme/tiny', '--pooling', 'max')).rejects.toThrow(/--pooling must be mean or cls/);
  });
});
