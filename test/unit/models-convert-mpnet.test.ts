import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertModel } from '../../service/models/convert/convert.ts';
import { decodeModel } from '../../service/models/convert/onnx-proto.ts';
import { relativeBucketTable, relativePositionBucket } from '../../service/models/convert/relative-position.ts';
import { loadTextEmbedder } from '../../service/models/embed-text.ts';
import { loadSession, type TensorInput } from '../../service/models/onnx.ts';
import { tinyTokenizerJson, writeSafetensors } from './models-fixtures.ts';
import { MPNET_PAD, referenceForwardMpnet, writeTinyMpnet, type TinyMpnetOptions } from './mpnet-fixtures.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'strata-mpnet-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A right-padded batch of lengths 150, 20 and 3: the long row reaches distances past 128 (the last bucket), the
// others are mostly padding (id 1, MPNet's pad token).
const LENGTHS = [150, 20, 3];
const SEQ = 150;
const IDS = LENGTHS.map((len, b) => Array.from({ length: SEQ }, (_, s) => (s < len ? 2 + ((s * 7 + b * 13) % 97) : MPNET_PAD)));
const MASK = LENGTHS.map((len) => Array.from({ length: SEQ }, (_, s) => (s < len ? 1 : 0)));

function feeds(ids = IDS, mask = MASK): Record<string, TensorInput> {
  const dims = [ids.length, ids[0]!.length];
  const flat = (rows: number[][]) => BigInt64Array.from(rows.flat().map(BigInt));
  return { input_ids: { data: flat(ids), dims }, attention_mask: { data: flat(mask), dims } };
}

function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  return max;
}

type GraphModel = { graph: { node: Array<{ opType: string; input: string[] }>; initializer: Array<{ name: string; dataType: number }> } };
const opCounts = (model: GraphModel) => model.graph.node.reduce<Record<string, number>>((c, n) => ({ ...c, [n.opType]: (c[n.opType] ?? 0) + 1 }), {});

describe('relative-position buckets (modeling_mpnet.relative_position_bucket)', () => {
  it('puts small distances in exact buckets, far ones in logarithmic ones, each direction in its own half', () => {
    // Key before the query (relative < 0) takes buckets 0-15, after it 16-31; exact below 8, then log-spaced to 128.
    const cases: Array<[number, number]> = [[0, 0], [-1, 1], [-7, 7], [-8, 8], [-11, 8], [-12, 9], [-16, 10], [-32, 12], [-64, 14], [-90, 14], [-91, 15], [-128, 15], [-5000, 15], [1, 17], [7, 23], [16, 26], [128, 31], [5000, 31]];
    for (const [relative, bucket] of cases) expect([relative, relativePositionBucket(relative)]).toEqual([relative, bucket]);
    const table = relativeBucketTable(300);
    expect(table.length).toBe(601);
    expect(Number(table[300])).toBe(0);
    expect(Number(table[300 - 40])).toBe(relativePositionBucket(-40));
  });
});

describe('convertModel: MPNet encoder parity with a plain reference forward pass', () => {
  for (const [label, opts] of [
    ['MPNetModel, exact GELU', {}],
    ['MPNetForMaskedLM (mpnet. prefix), tanh GELU', { prefix: true, act: 'gelu_new', seed: 12 }],
  ] as Array<[string, TinyMpnetOptions]>) {
    it(`plain and fused graphs match the reference within 1e-5 (${label})`, async () => {
      const dir = path.join(root, label.replace(/\W+/g, '-'));
      const mpnet = await writeTinyMpnet(dir, opts);
      const plain = await convertModel(dir, { form: 'plain', outDir: path.join(dir, 'plain') });
      const fused = await convertModel(dir);
      expect(fused).toMatchObject({ architecture: opts.prefix ? 'MPNetForMaskedLM' : 'MPNetModel', head: 'encoder', pooling: 'mean', hidden: 32, layers: 2 });
      const ref = referenceForwardMpnet(mpnet, IDS, MASK);
      // Only real tokens are compared in last_hidden_state: padded rows are never read (masked in attention and pooling).
      const realRows = (data: Float32Array) => LENGTHS.flatMap((len, b) => Array.from({ length: len }, (_, s) => [...data.subarray((b * SEQ + s) * 32, (b * SEQ + s + 1) * 32)]).flat());
      const refReal = LENGTHS.flatMap((len, b) => ref.hidden[b]!.slice(0, len).flat());
      for (const [form, file] of [['plain', plain.files.fp32!], ['fused', fused.files.fp32!]] as const) {
        const session = await loadSession(file);
        expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
        const out = await session.run(feeds(), ['last_hidden_state', 'sentence_embedding']);
        const hidden = maxAbsDiff(realRows(out.last_hidden_state!.data as Float32Array), refReal);
        const sentence = maxAbsDiff(out.sentence_embedding!.data as Float32Array, ref.sentence.flat());
        console.log(`MPNet ${form} (${label}): last_hidden_state max |diff| ${hidden.toExponential(2)}, sentence_embedding ${sentence.toExponential(2)}`);
        expect(hidden).toBeLessThan(1e-5);
        expect(sentence).toBeLessThan(1e-5);
      }
      const ops = opCounts(decodeModel(await readFile(fused.files.fp32!)) as GraphModel);
      expect(ops).toMatchObject({ EmbedLayerNormalization: 1, Attention: 2, LayerNormalization: 4, [opts.act === 'gelu_new' ? 'FastGelu' : 'BiasGelu']: 2 });
      for (const op of ['Softmax', 'SkipLayerNormalization', 'Erf']) expect(ops[op]).toBeUndefined();
    });
  }

  it('the fixture’s relative-position bias moves the outputs far beyond the tolerance (the parity checks would see it missing)', async () => {
    const dir = path.join(root, 'no-bias');
    const mpnet = await writeTinyMpnet(dir, { seed: 3 });
    const zeroBias = { ...mpnet, weights: new Map(mpnet.weights) };
    zeroBias.weights.set('encoder.relative_attention_bias.weight', { shape: [32, 4], data: new Float32Array(128) });
    const withBias = referenceForwardMpnet(mpnet, IDS, MASK);
    const without = referenceForwardMpnet(zeroBias, IDS, MASK);
    expect(maxAbsDiff(withBias.sentence.flat(), without.sentence.flat())).toBeGreaterThan(0.05);
  });

  it('padding does not change a sequence’s embedding', async () => {
    const dir = path.join(root, 'padding');
    await writeTinyMpnet(dir, { seed: 21 });
    const session = await loadSession((await convertModel(dir)).files.fp32!);
    const alone = await session.run(feeds([IDS[1]!.slice(0, 20)], [MASK[1]!.slice(0, 20)]), ['sentence_embedding']);
    const padded = await session.run(feeds(), ['sentence_embedding']);
    expect(maxAbsDiff((padded.sentence_embedding!.data as Float32Array).subarray(32, 64), alone.sentence_embedding!.data as Float32Array)).toBeLessThan(1e-5);
  });
});

describe('convertModel: MPNet int8', () => {
  it('keeps cosine > 0.99 to fp32 with int8 weights, the bias through MultiHeadAttention, the FFN output dense in float32', async () => {
    const dir = path.join(root, 'int8');
    await writeTinyMpnet(dir, { hidden: 64, intermediate: 128, seed: 9 });
    const result = await convertModel(dir, { int8: true });
    const a = (await (await loadSession(result.files.fp32!)).run(feeds(), ['sentence_embedding'])).sentence_embedding!.data as Float32Array;
    const b = (await (await loadSession(result.files.int8!)).run(feeds(), ['sentence_embedding'])).sentence_embedding!.data as Float32Array;
    const cosines = [0, 1, 2].map((r) => a.subarray(r * 64, (r + 1) * 64).reduce((s, v, i) => s + v * b[r * 64 + i]!, 0));
    console.log(`MPNet int8 vs fp32 cosine per row: ${cosines.map((c) => c.toFixed(5)).join(', ')}`);
    for (const c of cosines) expect(c).toBeGreaterThan(0.99);
    const model = decodeModel(await readFile(result.files.int8!)) as GraphModel;
    // Per layer: QKV, attention output and FFN input quantized; the FFN output (fed by GELU outliers) float32.
    expect(opCounts(model)).toMatchObject({ MultiHeadAttention: 2, MatMulIntegerToFloat: 6, QuantizeLinear: 6, MatMul: 2, LayerNormalization: 4, BiasGelu: 2, EmbedLayerNormalization: 1 });
    expect(opCounts(model).DynamicQuantizeMatMul).toBeUndefined();
    // Calibrated scales: a row's vector is the same alone as in the padded batch.
    const row = 1;
    const len = MASK[row]!.filter(Boolean).length;
    const alone = (await (await loadSession(result.files.int8!)).run(feeds([IDS[row]!.slice(0, len)], [MASK[row]!.slice(0, len)]), ['sentence_embedding'])).sentence_embedding!.data as Float32Array;
    expect(maxAbsDiff(b.subarray(row * 64, (row + 1) * 64), alone)).toBeLessThan(1e-5);
    const quantized = model.graph.initializer.filter((t) => t.name.endsWith('weight_quantized'));
    expect(quantized.map((t) => t.name).sort()).toEqual([0, 1].flatMap((l) => [`encoder.layer.${l}.attention.attn.qkv`, `encoder.layer.${l}.attention.dense`, `encoder.layer.${l}.intermediate.dense`]).map((n) => `${n}.weight_quantized`).sort());
    for (const t of quantized) expect(t.dataType).toBe(3);
  });
});

describe('MPNet through the text embedder', () => {
  it('embeds texts with a graph that takes no token types', async () => {
    const dir = path.join(root, 'embedder');
    await writeTinyMpnet(dir, { vocab: 30, seed: 5 });
    await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
    await convertModel(dir, { int8: true });
    for (const variant of ['fp32', 'int8'] as const) {
      const embedder = await loadTextEmbedder(dir, { variant });
      const { vectors } = await embedder.embed(['the cat sat', 'a fast car', 'the cat sat']);
      expect(embedder.dim).toBe(32);
      expect(Math.hypot(...vectors.subarray(0, 32))).toBeCloseTo(1, 5);
      expect(maxAbsDiff(vectors.subarray(0, 32), vectors.subarray(64, 96))).toBeLessThan(1e-6);
      await embedder.dispose();
    }
  });
});

describe('convertModel: MPNet errors', () => {
  it('names a missing relative-position table', async () => {
    const dir = path.join(root, 'missing');
    const mpnet = await writeTinyMpnet(dir, {});
    await writeSafetensors(path.join(dir, 'model.safetensors'), [...mpnet.weights].filter(([n]) => n !== 'encoder.relative_attention_bias.weight'));
    await expect(convertModel(dir)).rejects.toThrow(/missing tensor "encoder\.relative_attention_bias\.weight"/);
  });

  it('names a bad config key', async () => {
    const dir = path.join(root, 'bad-config');
    const mpnet = await writeTinyMpnet(dir, {});
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ ...mpnet.config, num_attention_heads: 'twelve' }));
    await expect(convertModel(dir)).rejects.toThrow(/invalid MPNet config \(num_attention_heads: /);
  });
});
