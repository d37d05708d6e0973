import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMiniLMEncoder } from '../../service/encoders/minilm.ts';
import { rowOf, type Encoder } from '../../service/encoders/types.ts';
import { convertModel } from '../../service/models/convert/convert.ts';
import { modelDir, onnxFile } from '../../service/models/paths.ts';
import { MINILM } from '../../service/models/prepare-minilm.ts';
import { tinyTokenizerJson, writeTinyBert } from './models-fixtures.ts';

// The encoder's plumbing (tokenise, group by length, run, restore order, errors, truncation) on a tiny random
// BERT placed where MiniLM would be; the real model's semantics are checked in test/integration/models-minilm.
let modelsDir: string;
let fp32: Encoder<string>;
let int8: Encoder<string>;
beforeAll(async () => {
  modelsDir = await mkdtemp(path.join(os.tmpdir(), 'strata-encoder-'));
  const dir = modelDir(modelsDir, MINILM.name);
  await writeTinyBert(dir, { hidden: 64, intermediate: 128, seed: 21 });
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  await writeFile(path.join(dir, 'sentence_bert_config.json'), '{"max_seq_length": 8}');
  await convertModel(dir, { int8: true });
  fp32 = await createMiniLMEncoder({ modelsDir });
  int8 = await createMiniLMEncoder({ modelsDir, variant: 'int8', batchSize: 2 });
});
afterAll(async () => {
  await fp32?.dispose?.();
  await int8?.dispose?.();
  await rm(modelsDir, { recursive: true, force: true });
});

const TEXTS = ['the cat sat on the mat', 'dog', '', 'the cat sat on the mat the dog ran fast', 'hello world'];
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('createMiniLMEncoder', () => {
  it('returns one unit vector per input, in input order, whatever the batching', async () => {
    const batch = await fp32.encode(TEXTS);
    expect(fp32.spec).toMatchObject({ id: 'text/minilm', modality: 'text', dim: 64, options: { variant: 'fp32' } });
    expect(batch).toMatchObject({ dim: 64, count: 5, errors: [], truncated: 1 });
    expect(batch.vectors).toBeInstanceOf(Float32Array);
    expect(batch.vectors.length).toBe(5 * 64);
    for (let i = 0; i < 5; i++) expect(Math.sqrt(dot(rowOf(batch, i), rowOf(batch, i)))).toBeCloseTo(1, 5);
    for (let i = 0; i < TEXTS.length; i++) {
      const alone = await fp32.encode([TEXTS[i]!]);
      expect(dot(rowOf(alone, 0), rowOf(batch, i))).toBeGreaterThan(0.99999);
    }
  });

  it('int8 stays close to fp32 (and batches of 2 give the same rows)', async () => {
    const a = await fp32.encode(TEXTS);
    const b = await int8.encode(TEXTS);
    expect(int8.spec.options).toEqual({ variant: 'int8' });
    for (let i = 0; i < TEXTS.length; i++) expect(dot(rowOf(a, i), rowOf(b, i))).toBeGreaterThan(0.99);
  });

  it('reports a non-string item as an error with a zero row, without failing the batch', async () => {
    const batch = await fp32.encode(['dog', 42 as unknown as string, 'cat']);
    expect(batch.errors).toEqual([{ index: 1, message: 'expected a string, got number' }]);
    expect(rowOf(batch, 1).every((v) => v === 0)).toBe(true);
    expect(dot(rowOf(batch, 0), rowOf(batch, 0))).toBeCloseTo(1, 5);
  });

  it('converts a missing variant from the folder\'s weights (a folder converted without --int8 still serves int8)', async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), 'strata-encoder-fp32-only-'));
    const dir = modelDir(other, MINILM.name);
    await writeTinyBert(dir, { hidden: 64, intermediate: 128, seed: 21 });
    await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
    await writeFile(path.join(dir, 'sentence_bert_config.json'), '{"max_seq_length": 8}');
    await convertModel(dir, { int8: false });
    await expect(access(onnxFile(dir, 'int8'))).rejects.toThrow();
    const enc = await createMiniLMEncoder({ modelsDir: other, variant: 'int8' });
    await access(onnxFile(dir, 'int8'));
    const [a, b] = [await fp32.encode(TEXTS), await enc.encode(TEXTS)];
    for (let i = 0; i < TEXTS.length; i++) expect(dot(rowOf(a, i), rowOf(b, i))).toBeGreaterThan(0.99);
    await enc.dispose?.();
    await rm(other, { recursive: true, force: true });
  });

  it('fails with a clear message until the model is prepared', async () => {
    await expect(createMiniLMEncoder({ modelsDir: path.join(modelsDir, 'empty') })).rejects.toThrow(/Model files missing in .*all-MiniLM-L6-v2/);
  });
});
