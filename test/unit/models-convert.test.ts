import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../service/models/convert/onnx-proto.ts';
import { parseSafetensors } from '../../service/models/convert/safetensors.ts';
import { CONVERTER_VERSION, convertModel } from '../../service/models/convert/convert.ts';
import { ensureCurrentConversion, graphOptimization, isConversionCurrent } from '../../service/models/convert/ensure.ts';
import { loadTextEmbedder } from '../../service/models/embed-text.ts';
import { readManifest, sha256File, writeManifest } from '../../service/models/manifest.ts';
import { loadSession, type OnnxSession } from '../../service/models/onnx.ts';
import { modelDir, onnxFile } from '../../service/models/paths.ts';
import { MINILM } from '../../service/models/prepare-minilm.ts';
import { referenceForward, tinyTokenizerJson, writeSafetensors, writeTinyBert, type Dtype, type TinyBertOptions } from './models-fixtures.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'strata-convert-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A padded batch: lengths 7, 4 and 2, token types mixing 0 and 1 (as a pair input would).
const IDS = [
  [2, 5, 6, 7, 8, 9, 3],
  [2, 10, 11, 3, 0, 0, 0],
  [2, 3, 0, 0, 0, 0, 0],
];
const MASK = IDS.map((row, b) => row.map((_, s) => (s < [7, 4, 2][b]! ? 1 : 0)));
const TYPES = [
  [0, 0, 0, 0, 1, 1, 1],
  [0, 0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0],
];

function feeds(ids = IDS, mask = MASK, types = TYPES) {
  const dims = [ids.length, ids[0]!.length];
  const flat = (rows: number[][]) => BigInt64Array.from(rows.flat().map(BigInt));
  return { input_ids: { data: flat(ids), dims }, attention_mask: { data: flat(mask), dims }, token_type_ids: { data: flat(types), dims } };
}

function maxAbsDiff(actual: Float32Array, expected: number[]): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  return max;
}

async function convertTiny(name: string, opts: TinyBertOptions = {}, dtype: Dtype = 'F32', int8 = false) {
  const dir = path.join(root, name);
  const bert = await writeTinyBert(dir, opts, dtype);
  const result = await convertModel(dir, { int8 });
  return { dir, bert, result };
}

async function run(session: OnnxSession, outputs: string[]) {
  return session.run(feeds(), outputs);
}

describe('convertModel: BERT encoder parity with a plain reference forward pass', () => {
  for (const [label, opts, dtype] of [
    ['F32, exact GELU', {}, 'F32'],
    ['F16 weights, tanh GELU, eps 1e-5', { act: 'gelu_new', eps: 1e-5, seed: 11 }, 'F16'],
    ['BF16 weights, bert. prefix', { prefix: true, seed: 5 }, 'BF16'],
  ] as Array<[string, TinyBertOptions, Dtype]>) {
    it(`matches the reference within 1e-4 (${label})`, async () => {
      const { bert, result } = await convertTiny(label.replace(/\W+/g, '-'), opts, dtype);
      expect(result).toMatchObject({ architecture: 'BertModel', head: 'encoder', pooling: 'mean', hidden: 32, layers: 2 });
      const session = await loadSession(result.files.fp32!);
      expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
      const out = await run(session, ['last_hidden_state', 'sentence_embedding']);
      const ref = referenceForward(bert, IDS, MASK, TYPES);
      expect(out.last_hidden_state!.dims).toEqual([3, 7, 32]);
      expect(out.sentence_embedding!.dims).toEqual([3, 32]);
      const hiddenDiff = maxAbsDiff(out.last_hidden_state!.data as Float32Array, ref.hidden.flat(2));
      const sentenceDiff = maxAbsDiff(out.sentence_embedding!.data as Float32Array, ref.sentence.flat());
      console.log(`parity ${label}: last_hidden_state max |diff| ${hiddenDiff.toExponential(2)}, sentence_embedding ${sentenceDiff.toExponential(2)}`);
      expect(hiddenDiff).toBeLessThan(1e-4);
      expect(sentenceDiff).toBeLessThan(1e-4);
    });
  }

  it('padding does not change a sequence’s embedding (the mask really masks)', async () => {
    const { result } = await convertTiny('mask', {});
    const session = await loadSession(result.files.fp32!);
    const alone = await session.run(feeds([[2, 10, 11, 3]], [[1, 1, 1, 1]], [[0, 0, 0, 0]]), ['sentence_embedding']);
    const padded = await run(session, ['sentence_embedding']);
    const a = alone.sentence_embedding!.data as Float32Array;
    const p = (padded.sentence_embedding!.data as Float32Array).subarray(32, 64);
    expect(maxAbsDiff(p, [...a])).toBeLessThan(1e-5);
  });

  it('writes a standard ONNX model (opset 17, named inputs/outputs) and records it in the manifest', async () => {
    const { dir, result } = await convertTiny('proto', {});
    const model = decodeModel(await readFile(result.files.fp32!)) as { irVersion: number; opsetImport: Array<{ version: number }>; graph: { output: Array<{ name: string }> } };
    expect(model.opsetImport[0]!.version).toBe(17);
    expect(model.graph.output.map((o) => o.name)).toEqual(['last_hidden_state', 'sentence_embedding']);
    const manifest = await readManifest(dir);
    expect(manifest?.files['onnx/model.onnx']?.sha256).toBe(await sha256File(result.files.fp32!));
    expect(manifest?.conversion).toMatchObject({ architecture: 'BertModel', opset: 17 });
  });

  it('uses CLS pooling when 1_Pooling/config.json asks for it', async () => {
    const dir = path.join(root, 'cls');
    const bert = await writeTinyBert(dir, {});
    await mkdir(path.join(dir, '1_Pooling'));
    await writeFile(path.join(dir, '1_Pooling', 'config.json'), JSON.stringify({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }));
    const result = await convertModel(dir);
    expect(result.pooling).toBe('cls');
    const out = await run(await loadSession(result.files.fp32!), ['sentence_embedding']);
    const ref = referenceForward(bert, IDS, MASK, TYPES);
    const cls = ref.hidden.map((seq) => {
      const v = seq[0]!;
      const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
      return v.map((x) => x / n);
    });
    expect(maxAbsDiff(out.sentence_embedding!.data as Float32Array, cls.flat())).toBeLessThan(1e-4);
  });
});

describe('convertModel: cross-encoder (BertForSequenceClassification)', () => {
  it('computes pooler + tanh + classifier logits like the reference', async () => {
    const { bert, result } = await convertTiny('cross', { prefix: true, labels: 3, seed: 3 });
    expect(result.head).toBe('classifier');
    const out = await run(await loadSession(result.files.fp32!), ['logits']);
    const ref = referenceForward(bert, IDS, MASK, TYPES);
    expect(out.logits!.dims).toEqual([3, 3]);
    const diff = maxAbsDiff(out.logits!.data as Float32Array, ref.logits!.flat());
    console.log(`parity cross-encoder: logits max |diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
  });
});

describe('convertModel: int8 variant', () => {
  it('stays close to fp32 (cosine > 0.99), runs on int8 weights through the fused kernels, and is smaller', async () => {
    const { result } = await convertTiny('int8', { hidden: 64, intermediate: 128, seed: 9 }, 'F32', true);
    const fp32 = await run(await loadSession(result.files.fp32!), ['sentence_embedding']);
    const int8 = await run(await loadSession(result.files.int8!), ['sentence_embedding']);
    const a = fp32.sentence_embedding!.data as Float32Array;
    const b = int8.sentence_embedding!.data as Float32Array;
    const cosines = [0, 1, 2].map((r) => {
      let dot = 0;
      for (let i = 0; i < 64; i++) dot += a[r * 64 + i]! * b[r * 64 + i]!;
      return dot;
    });
    console.log(`int8 vs fp32 cosine per row: ${cosines.map((c) => c.toFixed(5)).join(', ')}`);
    for (const c of cosines) expect(c).toBeGreaterThan(0.99);
    const model = decodeModel(await readFile(result.files.int8!)) as GraphModel;
    // Activation scales are constants: QuantizeLinear before each of the 6 dense layers and the 2 QAttention nodes.
    expect(opCounts(model)).toMatchObject({ QAttention: 2, MatMulIntegerToFloat: 6, QuantizeLinear: 8, LayerNormalization: 4, BiasGelu: 2, EmbedLayerNormalization: 1 });
    expect(opCounts(model).DynamicQuantizeMatMul).toBeUndefined();
    expect(opCounts(model).DynamicQuantizeLinear).toBeUndefined();
    expect(opCounts(model).SkipLayerNormalization).toBeUndefined();
    expect(opCounts(model).MatMul).toBeUndefined();
    // Weights are signed (int8, zero point 0): onnxruntime's VNNI/AMX kernels take uint8 x int8, not uint8 x uint8.
    const quantized = model.graph.initializer.filter((t) => t.name.endsWith('weight_quantized'));
    expect(quantized.length).toBe(8);
    for (const t of quantized) expect(t.dataType).toBe(3);
    expect((await stat(result.files.int8!)).size).toBeLessThan((await stat(result.files.fp32!)).size / 2);
  });

  it('gives a row the same int8 vector alone and in a padded batch (calibrated scales), unlike per-run dynamic scales', async () => {
    const opts = { hidden: 64, intermediate: 128, seed: 9 };
    const { dir, result } = await convertTiny('int8-batch', opts, 'F32', true);
    expect((await readManifest(dir))?.conversion?.int8Calibration).toMatch(/random token sequences \(no tokenizer/);
    const plain = await convertModel(dir, { int8: true, form: 'plain', outDir: path.join(dir, 'plain') });
    const drift = async (file: string) => {
      const session = await loadSession(file);
      const alone = (await session.run(feeds([[2, 10, 11, 3]], [[1, 1, 1, 1]], [[0, 0, 0, 0]]), ['sentence_embedding'])).sentence_embedding!.data as Float32Array;
      const batched = (await run(session, ['sentence_embedding'])).sentence_embedding!.data as Float32Array;
      return maxAbsDiff(batched.subarray(64, 128), [...alone]);
    };
    const [fixed, dynamic] = [await drift(result.files.int8!), await drift(plain.files.int8!)];
    console.log(`int8 row alone vs in a batch, max |diff|: calibrated ${fixed.toExponential(2)}, dynamic ${dynamic.toExponential(2)}`);
    expect(fixed).toBeLessThan(1e-5);
    // The same check sees the batch dependence of dynamic scales (so the bound above means something).
    expect(dynamic).toBeGreaterThan(1e-4);
  });

  it('the plain form keeps the standard-op int8 graph of earlier converters (uint8 weights around 128)', async () => {
    const dir = path.join(root, 'int8-plain');
    await writeTinyBert(dir, { hidden: 64, intermediate: 128, seed: 9 });
    const result = await convertModel(dir, { int8: true, form: 'plain', outDir: path.join(dir, 'plain') });
    const ops = opCounts(decodeModel(await readFile(result.files.int8!)) as GraphModel);
    expect(ops).toMatchObject({ DynamicQuantizeLinear: 8, MatMulInteger: 12 });
    expect(ops.QAttention).toBeUndefined();
  });
});

type GraphModel = { graph: { node: Array<{ opType: string; domain?: string }>; initializer: Array<{ name: string; dataType: number }> }; opsetImport: Array<{ domain?: string; version: number }> };

function opCounts(model: GraphModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of model.graph.node) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
  return counts;
}

describe('convertModel: fused graph (onnxruntime contrib kernels) equals the plain graph', () => {
  for (const [label, opts, labels] of [
    ['exact GELU -> BiasGelu', { seed: 31 }, undefined],
    ['tanh GELU -> FastGelu', { act: 'gelu_new', eps: 1e-5, seed: 32 }, undefined],
    ['ReLU', { act: 'relu', seed: 33 }, undefined],
    ['cross-encoder logits', { prefix: true, seed: 34 }, 2],
  ] as Array<[string, TinyBertOptions, number | undefined]>) {
    it(`max |fused - plain| < 1e-5 on every output (${label})`, async () => {
      const dir = path.join(root, `forms-${label.replace(/\W+/g, '-')}`);
      await writeTinyBert(dir, { ...opts, ...(labels ? { labels } : {}) });
      const plain = await convertModel(dir, { form: 'plain', outDir: path.join(dir, 'plain') });
      const fused = await convertModel(dir);
      const outputs = labels ? ['last_hidden_state', 'logits'] : ['last_hidden_state', 'sentence_embedding'];
      const a = await run(await loadSession(plain.files.fp32!), outputs);
      const b = await run(await loadSession(fused.files.fp32!), outputs);
      for (const name of outputs) {
        const diff = maxAbsDiff(b[name]!.data as Float32Array, [...(a[name]!.data as Float32Array)]);
        console.log(`fused vs plain (${label}) ${name}: max |diff| ${diff.toExponential(2)}`);
        expect(diff).toBeLessThan(1e-5);
      }
      const model = decodeModel(await readFile(fused.files.fp32!)) as GraphModel;
      const ops = opCounts(model);
      // Residual + LayerNorm stay standard ops (the contrib SkipLayerNormalization kernel is ~5x slower on CPU).
      expect(ops).toMatchObject({ EmbedLayerNormalization: 1, Attention: 2, LayerNormalization: 4 });
      expect(ops.SkipLayerNormalization).toBeUndefined();
      if (opts.act === 'relu') expect(ops.Relu).toBe(2);
      else expect(ops[opts.act === 'gelu_new' ? 'FastGelu' : 'BiasGelu']).toBe(2);
      for (const op of ['Softmax', 'Transpose', 'Erf']) expect(ops[op]).toBeUndefined();
      expect(model.opsetImport).toContainEqual({ domain: 'com.microsoft', version: 1 });
    });
  }
});

describe('convertModel: graphs of an older converter are converted again', () => {
  it('re-converts a folder whose manifest predates converter versions, on load, and records the version', async () => {
    const dir = modelDir(path.join(root, 'stale-models'), MINILM.name);
    await writeTinyBert(dir, { seed: 41 });
    await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
    // What converter version 1 left behind: the plain graph, and a manifest without a converter version.
    await convertModel(dir, { int8: true, form: 'plain', outDir: path.join(dir, 'onnx') });
    const manifest = (await readManifest(dir)) ?? { name: 'x', source: {}, createdAt: new Date().toISOString(), files: {} };
    manifest.conversion = { architecture: 'BertModel', head: 'encoder', pooling: 'mean', opset: 17, variants: ['fp32', 'int8'] };
    await writeManifest(dir, manifest);
    expect(isConversionCurrent(await readManifest(dir), ['fp32'])).toBe(false);
    // onnxruntime may fuse an older graph itself; the current fused graph runs at `basic` so it is not re-fused.
    expect(graphOptimization(await readManifest(dir))).toBe('all');

    const embedder = await loadTextEmbedder(dir);
    const ops = opCounts(decodeModel(await readFile(onnxFile(dir, 'fp32'))) as GraphModel);
    expect(ops.EmbedLayerNormalization).toBe(1);
    const after = await readManifest(dir);
    expect(after?.conversion).toMatchObject({ converter: CONVERTER_VERSION, variants: ['fp32', 'int8'], form: 'fused' });
    expect(after?.files['onnx/model.onnx']?.sha256).toBe(await sha256File(onnxFile(dir, 'fp32')));
    expect(isConversionCurrent(after, ['fp32', 'int8'])).toBe(true);
    expect(graphOptimization(after)).toBe('basic');
    const { vectors } = await embedder.embed(['the cat sat']);
    expect(Math.hypot(...vectors)).toBeCloseTo(1, 5);
    await embedder.dispose();
    // A current folder is left alone.
    expect(await ensureCurrentConversion(dir, ['fp32', 'int8'])).toBe(false);
  });
});

describe('convertModel: errors', () => {
  it('names a missing tensor', async () => {
    const dir = path.join(root, 'missing');
    const bert = await writeTinyBert(dir, {});
    const weights = [...bert.weights].filter(([n]) => n !== 'encoder.layer.1.attention.self.key.weight');
    await writeSafetensors(path.join(dir, 'model.safetensors'), weights);
    await expect(convertModel(dir)).rejects.toThrow(/missing tensor "encoder\.layer\.1\.attention\.self\.key\.weight"/);
  });

  it('names a tensor with the wrong shape, expected vs got', async () => {
    const dir = path.join(root, 'shape');
    const bert = await writeTinyBert(dir, {});
    bert.weights.set('encoder.layer.0.intermediate.dense.weight', { shape: [32, 64], data: new Float32Array(32 * 64) });
    await writeSafetensors(path.join(dir, 'model.safetensors'), bert.weights);
    await expect(convertModel(dir)).rejects.toThrow(/tensor "encoder\.layer\.0\.intermediate\.dense\.weight" has shape \[32, 64\], expected \[64, 32\]/);
  });

  it('names an unsupported architecture and lists the supported ones', async () => {
    const dir = path.join(root, 'arch');
    const bert = await writeTinyBert(dir, {});
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ ...bert.config, architectures: ['LlamaForCausalLM'], model_type: 'llama' }));
    await expect(convertModel(dir)).rejects.toThrow(/Unsupported architecture "LlamaForCausalLM".*supported: BertModel, BertForMaskedLM, BertForSequenceClassification/);
  });

  it('reports a truncated safetensors file', async () => {
    const dir = path.join(root, 'truncated');
    await writeTinyBert(dir, {});
    const file = path.join(dir, 'model.safetensors');
    const size = (await readFile(file)).byteLength;
    await truncate(file, size - 100);
    await expect(convertModel(dir)).rejects.toThrow(/truncated safetensors file: tensor ".+" ends at byte/);
    await truncate(file, 5);
    expect(() => parseSafetensors(new Uint8Array(5), file)).toThrow(/truncated safetensors file: 5 bytes/);
    await expect(convertModel(dir)).rejects.toThrow(/truncated safetensors file/);
  });

  it('names the missing files of an empty folder', async () => {
    await expect(convertModel(path.join(root, 'nothing-here'))).rejects.toThrow(/Model files missing in .*nothing-here: config\.json, model\.safetensors/);
  });

  it('names a corrupt ONNX file when loading it', async () => {
    const file = path.join(root, 'corrupt.onnx');
    await writeFile(file, Buffer.from('this is not a protobuf'));
    await expect(loadSession(file)).rejects.toThrow(/Model error in .*corrupt\.onnx: cannot load the ONNX model/);
  });
});
