import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createMiniLMEncoder } from '../../service/encoders/minilm.ts';
import { createStaticEncoder, STATIC_MODEL, STATIC_SPEC } from '../../service/encoders/static.ts';
import { rowOf, type Encoder } from '../../service/encoders/types.ts';
import { distillStatic } from '../../training/models/distill-static.ts';

// The real distilled table in the cache (distilled here when missing: ~1.5 min on 2 cores, once), the real MiniLM
// for the speed comparison, and Banking77 texts from ../shared/data.
const config = loadConfig({});
const BANKING = path.resolve(import.meta.dirname, '../../../shared/data/banking77/test.csv');
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

let enc: Encoder<string>;
let tmp: string;
beforeAll(async () => {
  const result = await distillStatic(config, { log: (m) => console.log(m) });
  expect(result.meta).toMatchObject({ dim: 256, vocabSize: 30522 });
  enc = await createStaticEncoder({ modelsDir: config.modelsDir });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-static-'));
}, 900_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('text/static', () => {
  it('returns unit 256-d vectors that rank related sentences above unrelated ones', async () => {
    const texts = ['how do I reset my card PIN', 'I forgot my PIN code', 'the weather in Paris', 'my card has not arrived yet', 'when will my new card be delivered'];
    const batch = await enc.encode(texts);
    expect(enc.spec).toMatchObject({ ...STATIC_SPEC, dim: 256 });
    expect(batch).toMatchObject({ dim: 256, count: 5, errors: [], truncated: 0 });
    for (let i = 0; i < texts.length; i++) expect(Math.sqrt(dot(rowOf(batch, i), rowOf(batch, i)))).toBeCloseTo(1, 5);
    const sim = (i: number, j: number) => dot(rowOf(batch, i), rowOf(batch, j));
    expect(sim(0, 1)).toBeGreaterThan(sim(0, 2) + 0.2);
    expect(sim(3, 4)).toBeGreaterThan(sim(3, 2) + 0.2);
    expect(sim(3, 4)).toBeGreaterThan(sim(3, 0));
  });

  it('gives an empty string (or one with no known token) a zero row without an error; handles CJK and accents', async () => {
    const batch = await enc.encode(['', '   ', '😀😀', '東京の天気', '東京 天気 予報', 'café crème', 'cafe creme', 7 as unknown as string]);
    expect(batch.errors).toEqual([{ index: 7, message: 'expected a string, got number' }]);
    for (const i of [0, 1, 2, 7]) expect(rowOf(batch, i).every((v) => v === 0)).toBe(true);
    // BERT's tokenizer splits CJK into characters, which have rows of their own.
    expect(Math.sqrt(dot(rowOf(batch, 3), rowOf(batch, 3)))).toBeCloseTo(1, 5);
    expect(dot(rowOf(batch, 3), rowOf(batch, 4))).toBeGreaterThan(0.5);
    expect(dot(rowOf(batch, 5), rowOf(batch, 6))).toBeGreaterThan(0.99);
  });

  it('cuts long texts at maxTokens and counts them as truncated', async () => {
    const short = await createStaticEncoder({ modelsDir: config.modelsDir, maxTokens: 4 });
    const batch = await short.encode(['card pin reset now please', 'card pin reset now']);
    expect(batch.truncated).toBe(1);
    expect(dot(rowOf(batch, 0), rowOf(batch, 1))).toBeGreaterThan(0.9999);
  });

  it('encodes 1,000 sentences many times faster than MiniLM', async () => {
    const sentences = readFileSync(BANKING, 'utf8')
      .trim()
      .split('\n')
      .slice(1, 1001)
      .map((line) => line.slice(0, line.lastIndexOf(',')).replace(/^"|"$/g, ''));
    expect(sentences.length).toBe(1000);
    const minilm = await createMiniLMEncoder({ modelsDir: config.modelsDir });
    await minilm.encode(sentences.slice(0, 32));
    await enc.encode(sentences.slice(0, 32));
    const rate = async (e: Encoder<string>) => {
      const started = performance.now();
      const batch = await e.encode(sentences);
      expect(batch.errors).toEqual([]);
      return sentences.length / ((performance.now() - started) / 1000);
    };
    const staticRate = await rate(enc);
    const minilmRate = await rate(minilm);
    await minilm.dispose?.();
    console.log(`text/static ${staticRate.toFixed(0)} sentences/s, text/minilm (fp32, 1 thread) ${minilmRate.toFixed(0)} sentences/s: ${(staticRate / minilmRate).toFixed(0)}x`);
    expect(staticRate).toBeGreaterThan(5 * minilmRate);
  }, 300_000);

  it('fails naming the file when the table is missing, truncated or corrupt', async () => {
    const dir = path.join(tmp, STATIC_MODEL.name);
    await expect(createStaticEncoder({ modelsDir: tmp })).rejects.toThrow(/meta\.json.*distill-static/);
    await mkdir(dir, { recursive: true });
    const source = path.join(config.modelsDir, STATIC_MODEL.name);
    await copyFile(path.join(source, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    const meta = JSON.parse(readFileSync(path.join(source, STATIC_MODEL.meta), 'utf8')) as { sha256: string; vocabSize: number; dim: number };
    await writeFile(path.join(dir, STATIC_MODEL.meta), JSON.stringify(meta));
    await expect(createStaticEncoder({ modelsDir: tmp })).rejects.toThrow(/embeddings\.f32.*distill-static/);
    const table = path.join(dir, STATIC_MODEL.table);
    await writeFile(table, Buffer.alloc(1000));
    await expect(createStaticEncoder({ modelsDir: tmp })).rejects.toThrow(`Model error in ${table}: 1000 bytes, expected ${meta.vocabSize * meta.dim * 4}`);
    await writeFile(table, Buffer.alloc(meta.vocabSize * meta.dim * 4));
    await expect(createStaticEncoder({ modelsDir: tmp })).rejects.toThrow(new RegExp(`${table}: sha256 [0-9a-f]+ does not match`));
    // A failed load is not memoised: a repaired folder loads.
    await copyFile(path.join(source, STATIC_MODEL.table), table);
    const repaired = await createStaticEncoder({ modelsDir: tmp });
    expect((await repaired.encode(['card'])).dim).toBe(256);
  });
});
