/**
 * Test fixtures for the model code: a tiny random BERT written as a real safetensors file plus config.json, a
 * tiny WordPiece tokenizer.json, and an independent reference forward pass written plainly over Float64 loops
 * (no graph, no shared code with the converter), to compare the converted ONNX model against.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRng } from '../../training/eval/stats.ts';
import { makeZip } from './es-fixtures.ts';

export type Dtype = 'F32' | 'F16' | 'BF16';

export interface TinyBertOptions {
  layers?: number;
  hidden?: number;
  heads?: number;
  intermediate?: number;
  vocab?: number;
  maxPositions?: number;
  act?: string;
  eps?: number;
  /** Prefix every encoder tensor with `bert.` (as classification checkpoints do). */
  prefix?: boolean;
  /** Number of labels of a sequence-classification head; absent for a plain encoder. */
  labels?: number;
  seed?: number;
}

export interface TinyBert {
  config: Record<string, unknown>;
  /** Tensor name (without prefix) -> shape and values, already rounded to the stored dtype. */
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  options: Required<Omit<TinyBertOptions, 'labels'>> & { labels: number | undefined };
}

const mulberry32 = createRng;

/** float -> IEEE half bits, round to nearest even (enough for fixtures: no NaN/Inf in random weights). */
export function floatToHalf(x: number): number {
  const f32 = new Float32Array([x]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  let mant = bits & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  if (exp >= 31) return sign | 0x7c00;
  let half = (exp << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Rounds values to what the stored dtype can hold (the reference must see the same numbers as the converter). */
function roundTo(dtype: Dtype, data: Float32Array): Float32Array {
  if (dtype === 'F32') return data;
  const out = new Float32Array(data.length);
  const bits = new Uint32Array(new Float32Array(data).buffer);
  for (let i = 0; i < data.length; i++) {
    out[i] = dtype === 'F16' ? halfBitsToFloat(floatToHalf(data[i]!)) : new Float32Array(new Uint32Array([bits[i]! & 0xffff0000]).buffer)[0]!;
  }
  return out;
}

function encode(dtype: Dtype, data: Float32Array): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const out = new Uint16Array(data.length);
  const bits = new Uint32Array(new Float32Array(data).buffer);
  for (let i = 0; i < data.length; i++) out[i] = dtype === 'F16' ? floatToHalf(data[i]!) : bits[i]! >>> 16;
  return new Uint8Array(out.buffer);
}

/**
 * Writes a safetensors file (header padded to 8 bytes, as the reference implementation does).
 *
 * @example await writeSafetensors(file, [['w', { shape: [2], data: Float32Array.of(1, 2) }]], 'F16');
 */
export async function writeSafetensors(file: string, tensors: Iterable<[string, { shape: number[]; data: Float32Array }]>, dtype: Dtype = 'F32'): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = encode(dtype, t.data);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  await writeFile(file, Buffer.concat([len, Buffer.from(json), ...chunks]));
}

/** Builds a tiny random BERT's config and weights (values rounded to `dtype`). */
export function makeTinyBert(opts: TinyBertOptions = {}, dtype: Dtype = 'F32'): TinyBert {
  const o = {
    layers: 2, hidden: 32, heads: 4, intermediate: 64, vocab: 100, maxPositions: 64, act: 'gelu', eps: 1e-12, prefix: false, seed: 7,
    ...opts,
    labels: opts.labels,
  };
  const rand = mulberry32(o.seed);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  const add = (name: string, shape: number[], scale: number, centre = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = centre + (rand() * 2 - 1) * scale;
    weights.set(name, { shape, data: roundTo(dtype, data) });
  };
  const H = o.hidden;
  add('embeddings.word_embeddings.weight', [o.vocab, H], 1);
  add('embeddings.position_embeddings.weight', [o.maxPositions, H], 0.5);
  add('embeddings.token_type_embeddings.weight', [2, H], 0.5);
  add('embeddings.LayerNorm.weight', [H], 0.2, 1);
  add('embeddings.LayerNorm.bias', [H], 0.1);
  for (let l = 0; l < o.layers; l++) {
    const p = `encoder.layer.${l}`;
    for (const part of ['query', 'key', 'value']) {
      add(`${p}.attention.self.${part}.weight`, [H, H], 0.35);
      add(`${p}.attention.self.${part}.bias`, [H], 0.1);
    }
    add(`${p}.attention.output.dense.weight`, [H, H], 0.3);
    add(`${p}.attention.output.dense.bias`, [H], 0.1);
    add(`${p}.attention.output.LayerNorm.weight`, [H], 0.2, 1);
    add(`${p}.attention.output.LayerNorm.bias`, [H], 0.1);
    add(`${p}.intermediate.dense.weight`, [o.intermediate, H], 0.3);
    add(`${p}.intermediate.dense.bias`, [o.intermediate], 0.1);
    add(`${p}.output.dense.weight`, [H, o.intermediate], 0.2);
    add(`${p}.output.dense.bias`, [H], 0.1);
    add(`${p}.output.LayerNorm.weight`, [H], 0.2, 1);
    add(`${p}.output.LayerNorm.bias`, [H], 0.1);
  }
  add('pooler.dense.weight', [H, H], 0.3);
  add('pooler.dense.bias', [H], 0.1);
  if (o.labels !== undefined) {
    add('classifier.weight', [o.labels, H], 0.3);
    add('classifier.bias', [o.labels], 0.1);
  }
  const config = {
    architectures: [o.labels !== undefined ? 'BertForSequenceClassification' : 'BertModel'],
    model_type: 'bert',
    hidden_size: H,
    num_hidden_layers: o.layers,
    num_attention_heads: o.heads,
    intermediate_size: o.intermediate,
    vocab_size: o.vocab,
    max_position_embeddings: o.maxPositions,
    type_vocab_size: 2,
    layer_norm_eps: o.eps,
    hidden_act: o.act,
    position_embedding_type: 'absolute',
  };
  return { config, weights, options: o };
}

/**
 * Writes a tiny BERT folder: config.json + model.safetensors (+ optionally a tokenizer.json and vocab.txt).
 *
 * @example const bert = await writeTinyBert(dir, { layers: 2 });
 */
export async function writeTinyBert(dir: string, opts: TinyBertOptions = {}, dtype: Dtype = 'F32'): Promise<TinyBert> {
  const bert = makeTinyBert(opts, dtype);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(bert.config, null, 2));
  const named = [...bert.weights].map(([name, t]): [string, typeof t] => [opts.prefix && !name.startsWith('classifier.') ? `bert.${name}` : name, t]);
  await writeSafetensors(path.join(dir, 'model.safetensors'), named, dtype);
  return bert;
}

/** The vocabulary of the tiny WordPiece tokenizer (ids are positions). */
export const TINY_VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'a', 'fast', 'car',
  '##s', '##ing', 'play', '.', ',', '!', 'hello', 'world', '你', '好',
];

/** A minimal BERT-style tokenizer.json (BertNormalizer lower-case, BertPreTokenizer, WordPiece, [CLS]/[SEP]). */
export function tinyTokenizerJson(maxLength = 16): Record<string, unknown> {
  const vocab = Object.fromEntries(TINY_VOCAB.map((t, i) => [t, i]));
  const special = (content: string) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: { max_length: maxLength, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/**
 * Writes a zip (deflated entries), enough to stand in for a Python wheel.
 *
 * @example await writeZip('/tmp/x.whl', [['pkg/model/config.json', Buffer.from('{}')]]);
 */
export async function writeZip(file: string, entries: Array<[string, Buffer]>): Promise<void> {
  await writeFile(file, makeZip(entries.map(([name, content]) => ({ name, content })), { deflate: true }));
}

// ---------------------------------------------------------------------------------------------------------------
// Reference forward pass: the textbook formulas, one loop at a time, in float64.

const MASKED = -3.4028234663852886e38;

/** erf by its Maclaurin series (|x| < 4, error ~1e-9) and ±1 beyond (erfc(4) ≈ 1.5e-8). */
export function erf(x: number): number {
  if (Math.abs(x) >= 4) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

export interface ReferenceOutput {
  /** [batch][seq][hidden] */
  hidden: number[][][];
  /** Mean-pooled, L2-normalised [batch][hidden]. */
  sentence: number[][];
  /** Classification logits [batch][labels] when the model has a classifier. */
  logits?: number[][];
}

/**
 * sentence-transformers' pooling: the mean of the hidden states under the mask, L2-normalised.
 *
 * @example meanPooledSentence([[1, 0], [0, 1]], [1, 0]) // [1, 0]
 */
export function meanPooledSentence(x: number[][], mask: number[]): number[] {
  const pooled = new Array<number>(x[0]!.length).fill(0);
  let count = 0;
  x.forEach((row, s) => {
    if (!mask[s]) return;
    count++;
    row.forEach((v, h) => (pooled[h]! += v));
  });
  const mean = pooled.map((v) => v / Math.max(count, 1e-9));
  const norm = Math.sqrt(mean.reduce((a, v) => a + v * v, 0));
  return mean.map((v) => v / Math.max(norm, 1e-12));
}

/**
 * The plain building blocks of the reference forward passes (BERT and MPNet): named weights, a dense layer
 * (`y = W x + b`, Hugging Face `[out, in]` layout), LayerNorm and the activation.
 *
 * @example const { dense } = referenceOps(bert.weights, 1e-12, 'gelu'); dense(x, 'pooler.dense', 32, 32)
 */
export function referenceOps(weights: Map<string, { data: Float32Array }>, eps: number, act: string) {
  const w = (name: string) => weights.get(name)!.data;
  const dense = (x: number[], name: string, inDim: number, outDim: number) => {
    const W = w(`${name}.weight`);
    const b = w(`${name}.bias`);
    return Array.from({ length: outDim }, (_, o) => {
      let s = b[o]!;
      for (let i = 0; i < inDim; i++) s += x[i]! * W[o * inDim + i]!;
      return s;
    });
  };
  const layerNorm = (x: number[], name: string) => {
    const g = w(`${name}.weight`);
    const b = w(`${name}.bias`);
    const mean = x.reduce((a, v) => a + v, 0) / x.length;
    const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i]! + b[i]!);
  };
  const gelu = (v: number) =>
    act === 'relu' ? Math.max(0, v) : act === 'gelu' ? 0.5 * v * (1 + erf(v / Math.SQRT2)) : 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  return { w, dense, layerNorm, gelu };
}

/** Runs the tiny BERT on token ids with the given mask and token types. */
export function referenceForward(bert: TinyBert, ids: number[][], mask: number[][], types: number[][]): ReferenceOutput {
  const { hidden: H, heads, intermediate: I, eps, act, layers, labels } = bert.options;
  const { w, dense, layerNorm, gelu } = referenceOps(bert.weights, eps, act);

  const hd = H / heads;
  const out: ReferenceOutput = { hidden: [], sentence: [], ...(labels !== undefined ? { logits: [] } : {}) };
  for (let b = 0; b < ids.length; b++) {
    const S = ids[b]!.length;
    let x: number[][] = [];
    for (let s = 0; s < S; s++) {
      const row: number[] = [];
      for (let h = 0; h < H; h++) {
        row.push(w('embeddings.word_embeddings.weight')[ids[b]![s]! * H + h]! + w('embeddings.position_embeddings.weight')[s * H + h]! + w('embeddings.token_type_embeddings.weight')[types[b]![s]! * H + h]!);
      }
      x.push(layerNorm(row, 'embeddings.LayerNorm'));
    }
    for (let l = 0; l < layers; l++) {
      const p = `encoder.layer.${l}`;
      const q = x.map((r) => dense(r, `${p}.attention.self.query`, H, H));
      const k = x.map((r) => dense(r, `${p}.attention.self.key`, H, H));
      const v = x.map((r) => dense(r, `${p}.attention.self.value`, H, H));
      const ctx: number[][] = x.map(() => new Array<number>(H).fill(0));
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < S; i++) {
          const scores: number[] = [];
          for (let j = 0; j < S; j++) {
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += q[i]![h * hd + d]! * k[j]![h * hd + d]!;
            scores.push(dot / Math.sqrt(hd) + (mask[b]![j] ? 0 : MASKED));
          }
          const max = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - max));
          const z = e.reduce((a, c) => a + c, 0);
          for (let j = 0; j < S; j++) for (let d = 0; d < hd; d++) ctx[i]![h * hd + d]! += (e[j]! / z) * v[j]![h * hd + d]!;
        }
      }
      const attn = ctx.map((r, i) => layerNorm(dense(r, `${p}.attention.output.dense`, H, H).map((val, h) => val + x[i]![h]!), `${p}.attention.output.LayerNorm`));
      x = attn.map((r) => {
        const inter = dense(r, `${p}.intermediate.dense`, H, I).map(gelu);
        return layerNorm(dense(inter, `${p}.output.dense`, I, H).map((val, h) => val + r[h]!), `${p}.output.LayerNorm`);
      });
    }
    out.hidden.push(x);
    out.sentence.push(meanPooledSentence(x, mask[b]!));
    if (labels !== undefined) {
      const pooler = dense(x[0]!, 'pooler.dense', H, H).map(Math.tanh);
      out.logits!.push(dense(pooler, 'classifier', H, labels));
    }
  }
  return out;
}
