/**
 * The building blocks of a post-norm transformer encoder, each in two forms (see `linear.ts`):
 * - `plain`: standard ONNX ops (the reference the fused form is tested against, and earlier converters' graph);
 * - `fused`: the contrib operators onnxruntime's CPU provider has single kernels for: `EmbedLayerNormalization`,
 *   `Attention` (or `QAttention` when int8), `BiasGelu` / `FastGelu` (residual + LayerNorm stay standard ops:
 *   see `denseAddNorm`). Their semantics follow onnxruntime's `bert_defs.cc`; the patterns onnxruntime's own
 *   Python fusers produce from a BERT export are the same nodes with the same inputs.
 * Nothing here knows checkpoint tensor names: an architecture file (`bert-graph.ts`) reads its weights and wires
 * these blocks, so another encoder (MPNet: attention bias, no token types) reuses them.
 */
import { MS_DOMAIN, type Graph } from './graph.ts';
import { concatColumns, matmul, quantizeColumns, transpose, type LinearContext } from './linear.ts';

/** The most negative float32 (what Hugging Face adds for masked keys): exp() of it is exactly zero. */
export const MASKED = -3.4028234663852886e38;

export type Activation = 'erf' | 'tanh' | 'relu';

/** A Hugging Face linear layer: weight `[out, in]`, bias `[out]`. */
export interface DenseWeights {
  weight: Float32Array;
  bias: Float32Array;
}

export interface NormWeights {
  gamma: Float32Array;
  beta: Float32Array;
}

/** The attention mask in the shape each form consumes, built once per graph from the int64 `[batch, seq]` input. */
export interface MaskValues {
  /** Float `[batch, seq]` 0/1 (mean pooling). */
  float: string;
  /** Additive float `[batch, 1, 1, seq]`: 0 where attended, the float32 minimum where padded (plain form). */
  additive?: string;
  /** int32 `[batch, seq]` 0/1, the raw key-padding mask `Attention` accepts (fused form). */
  int32?: string;
}

/**
 * Builds the mask values a form needs.
 *
 * @example const mask = attentionMask(ctx, 'attention_mask');
 */
export function attentionMask(ctx: LinearContext, mask: string): MaskValues {
  const g = ctx.graph;
  const float = g.op('Cast', [mask], { to: { int: 1 } });
  if (ctx.form === 'fused') return { float, int32: g.op('Cast', [mask], { to: { int: 6 } }) };
  const additive = g.op('Mul', [g.op('Sub', [g.floats([1]), float]), g.floats([MASKED])]);
  return { float, additive: g.op('Unsqueeze', [additive, g.int64s([1, 2])]) };
}

function normInits(g: Graph, name: string, n: NormWeights, hidden: number): [string, string] {
  return [
    g.init(`${name}.weight`, { dtype: 'float32', dims: [hidden], data: n.gamma }),
    g.init(`${name}.bias`, { dtype: 'float32', dims: [hidden], data: n.beta }),
  ];
}

/**
 * `LayerNorm(x)` over the last axis.
 *
 * @example const y = layerNorm(g, x, 'embeddings.LayerNorm', { gamma, beta }, 384, 1e-12);
 */
export function layerNorm(g: Graph, x: string, name: string, n: NormWeights, hidden: number, eps: number): string {
  const [scale, bias] = normInits(g, name, n, hidden);
  return g.op('LayerNormalization', [x, scale, bias], { axis: { int: -1 }, epsilon: { float: eps } });
}

export interface EmbeddingTables {
  word: Float32Array;
  position: Float32Array;
  /** Token-type (segment) table; absent for models without token types. */
  tokenType?: Float32Array;
  vocab: number;
  maxPositions: number;
  typeVocab: number;
  /** Table names as the checkpoint has them (initializer names, for readable graphs). */
  names: { word: string; position: string; tokenType?: string; norm: string };
}

/**
 * `LayerNorm(word[ids] + position[positions] + tokenType[types])`, from int64 `[batch, seq]` inputs. Positions are
 * `0..seq-1` unless `positions` (int64 `[batch, seq]`) gives them (MPNet counts from past its padding index).
 *
 * @example const x = embedLayerNorm(ctx, ids, types, tables, norm, 384, 1e-12);
 */
export function embedLayerNorm(
  ctx: LinearContext,
  ids: string,
  types: string | undefined,
  t: EmbeddingTables,
  norm: NormWeights,
  hidden: number,
  eps: number,
  positions?: string,
): string {
  const g = ctx.graph;
  const table = (name: string, rows: number, data: Float32Array) => g.init(name, { dtype: 'float32', dims: [rows, hidden], data });
  const word = table(t.names.word, t.vocab, t.word);
  const position = table(t.names.position, t.maxPositions, t.position);
  const tokenType = t.tokenType && types ? table(t.names.tokenType ?? 'token_type_embeddings', t.typeVocab, t.tokenType) : undefined;
  if (ctx.form === 'fused') {
    const [gamma, beta] = normInits(g, t.names.norm, norm, hidden);
    const toInt32 = (v: string) => g.op('Cast', [v], { to: { int: 6 } });
    const inputs = [toInt32(ids), tokenType ? toInt32(types!) : '', word, position, tokenType ?? '', gamma, beta];
    // Optional inputs 7 (mask, for mask_index) and 8 (position_ids [batch, seq]).
    if (positions) inputs.push('', toInt32(positions));
    // Its shape inference insists on the second output (mask_index) being declared; nothing reads it.
    return g.node('EmbedLayerNormalization', inputs, { epsilon: { float: eps } }, 2, MS_DOMAIN)[0]!;
  }
  const words = g.op('Gather', [word, ids], { axis: { int: 0 } });
  // Default positions are 0..seq-1, taken from the input's runtime shape.
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.int64s([1], [])], { axis: { int: 0 } });
  const at = positions ?? g.op('Range', [g.int64s([0], []), seqLen, g.int64s([1], [])]);
  let sum = g.op('Add', [words, g.op('Gather', [position, at], { axis: { int: 0 } })]);
  if (tokenType) sum = g.op('Add', [sum, g.op('Gather', [tokenType, types!], { axis: { int: 0 } })]);
  return layerNorm(g, sum, t.names.norm, norm, hidden, eps);
}

export interface AttentionWeights {
  query: DenseWeights;
  key: DenseWeights;
  value: DenseWeights;
}

/**
 * Multi-head self-attention without the output projection: `softmax(QK^T / sqrt(d) + bias + mask) V`, heads merged
 * back to `[batch, seq, hidden]`. `bias` is an optional additive float `[1, heads, seq, seq]` (MPNet's relative
 * position bias). Fused: one `Attention` (float) or `DynamicQuantizeLinear` + `QAttention` (int8) node with Q, K
 * and V packed into one `[hidden, 3 * hidden]` weight; `QAttention` has no bias input, so int8 with a bias is one
 * `DynamicQuantizeMatMul` for Q, K and V, then `MultiHeadAttention` (which takes the bias).
 *
 * @example const ctxOut = selfAttention(ctx, x, weights, mask, 384, 12, 'encoder.layer.0.attention.self');
 */
export function selfAttention(ctx: LinearContext, x: string, w: AttentionWeights, mask: MaskValues, hidden: number, heads: number, name: string, bias?: string): string {
  const g = ctx.graph;
  const headDim = hidden / heads;
  if (ctx.form === 'fused') {
    const packed = concatColumns([w.query, w.key, w.value].map((d) => transpose(d.weight, hidden, hidden)), hidden);
    const qkvBias = concatBias([w.query.bias, w.key.bias, w.value.bias]);
    const attrs = { num_heads: { int: heads }, mask_filter_value: { float: MASKED } };
    if (ctx.quantize && bias) {
      const qkv = matmul(ctx, x, packed, hidden, 3 * hidden, `${name}.qkv`, qkvBias);
      const [q, k, v] = g.node('Split', [qkv, g.int64s([hidden, hidden, hidden])], { axis: { int: -1 } }, 3) as [string, string, string];
      return g.node('MultiHeadAttention', [q, k, v, '', mask.int32!, bias], attrs, 1, MS_DOMAIN)[0]!;
    }
    const biasInit = g.init(`${name}.qkv.bias`, { dtype: 'float32', dims: [3 * hidden], data: qkvBias });
    if (!ctx.quantize) {
      const weight = g.init(`${name}.qkv.weight`, { dtype: 'float32', dims: [hidden, 3 * hidden], data: packed });
      // Input 4 (past) is skipped; input 5 is the additive attention bias.
      return g.node('Attention', [x, weight, biasInit, mask.int32!, ...(bias ? ['', bias] : [])], attrs, 1, MS_DOMAIN)[0]!;
    }
    const { q, scale } = quantizeColumns(packed, hidden, 3 * hidden);
    const weight = g.init(`${name}.qkv.weight_quantized`, { dtype: 'int8', dims: [hidden, 3 * hidden], data: q });
    const wScale = g.init(`${name}.qkv.weight_scale`, { dtype: 'float32', dims: [3 * hidden], data: scale });
    const [xq, xScale, xZero] = g.node('DynamicQuantizeLinear', [x], {}, 3) as [string, string, string];
    return g.node('QAttention', [xq, weight, biasInit, xScale, wScale, mask.int32!, xZero], attrs, 1, MS_DOMAIN)[0]!;
  }
  const split = g.int64s([0, 0, heads, headDim]);
  const toHeads = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, split])], { perm: { ints: perm } });
  const dense = (d: DenseWeights, suffix: string) => matmul(ctx, x, transpose(d.weight, hidden, hidden), hidden, hidden, `${name}.${suffix}`, d.bias);
  const q = toHeads(dense(w.query, 'query'), [0, 2, 1, 3]);
  const kT = toHeads(dense(w.key, 'key'), [0, 2, 3, 1]);
  const v = toHeads(dense(w.value, 'value'), [0, 2, 1, 3]);
  let scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.floats([1 / Math.sqrt(headDim)])]);
  if (bias) scores = g.op('Add', [scores, bias]);
  scores = g.op('Add', [scores, mask.additive!]);
  const probs = g.op('Softmax', [scores], { axis: { int: -1 } });
  return g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: { ints: [0, 2, 1, 3] } }), g.int64s([0, 0, hidden])]);
}

function concatBias(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * `LayerNorm(x @ w^T + b + residual)`: a dense layer, the residual connection and the post-norm, in both forms as
 * `Add` + the standard `LayerNormalization` (the bias inside `DynamicQuantizeMatMul` when int8). onnxruntime's
 * contrib `SkipLayerNormalization` would do the same in one node, but its CPU kernel (1.30) took 7.1 ns per element
 * against 1.3 ns for `Add` + `Add` + `LayerNormalization` on MiniLM's `[4, 61, 384]` (measured in isolation, see
 * the README's "Encoders"), a quarter of the int8 graph's time in a per-operator profile.
 *
 * @example h = denseAddNorm(ctx, attended, x, weights.output, norm, 384, 384, 1e-12, 'encoder.layer.0.attention.output');
 */
export function denseAddNorm(
  ctx: LinearContext,
  x: string,
  residual: string,
  d: DenseWeights,
  norm: NormWeights,
  inDim: number,
  hidden: number,
  eps: number,
  name: string,
): string {
  const g = ctx.graph;
  const y = matmul(ctx, x, transpose(d.weight, hidden, inDim), inDim, hidden, `${name}.dense`, d.bias);
  return layerNorm(g, g.op('Add', [y, residual]), `${name}.LayerNorm`, norm, hidden, eps);
}

/**
 * `act(x @ w^T + b)`, the feed-forward expansion. Fused: the bias goes into `BiasGelu` (erf GELU) or `FastGelu`
 * (tanh GELU).
 *
 * @example const inter = denseActivation(ctx, h, weights.intermediate, 384, 1536, 'erf', 'encoder.layer.0.intermediate.dense');
 */
export function denseActivation(ctx: LinearContext, x: string, d: DenseWeights, inDim: number, outDim: number, act: Activation, name: string): string {
  const g = ctx.graph;
  const wt = transpose(d.weight, outDim, inDim);
  if (ctx.form === 'fused' && act !== 'relu') {
    const y = matmul(ctx, x, wt, inDim, outDim, name);
    const bias = g.init(`${name}.bias`, { dtype: 'float32', dims: [outDim], data: d.bias });
    return g.node(act === 'erf' ? 'BiasGelu' : 'FastGelu', [y, bias], {}, 1, MS_DOMAIN)[0]!;
  }
  return activation(g, matmul(ctx, x, wt, inDim, outDim, name, d.bias), act);
}

function activation(g: Graph, x: string, act: Activation): string {
  if (act === 'relu') return g.op('Relu', [x]);
  const half = g.op('Mul', [x, g.floats([0.5])]);
  if (act === 'erf') {
    // 0.5 * x * (1 + erf(x / sqrt(2)))
    const erf = g.op('Erf', [g.op('Mul', [x, g.floats([Math.SQRT1_2])])]);
    return g.op('Mul', [half, g.op('Add', [erf, g.floats([1])])]);
  }
  // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
  const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
  const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, g.floats([0.044715])])]), g.floats([Math.sqrt(2 / Math.PI)])]);
  return g.op('Mul', [half, g.op('Add', [g.op('Tanh', [inner]), g.floats([1])])]);
}

/**
 * The L2-normalised sentence embedding `[batch, hidden]`: the mean of the unmasked tokens (sentence-transformers'
 * mean pooling) or the first token.
 *
 * @example g.output(sentenceEmbedding(g, x, mask, 'mean'), 'sentence_embedding', 'float32', ['batch', 384]);
 */
export function sentenceEmbedding(g: Graph, x: string, mask: MaskValues, pooling: 'mean' | 'cls'): string {
  let pooled: string;
  if (pooling === 'cls') {
    pooled = g.op('Gather', [x, g.int64s([0], [])], { axis: { int: 1 } });
  } else {
    const m3 = g.op('Unsqueeze', [mask.float, g.int64s([2])]);
    const summed = g.op('ReduceSum', [g.op('Mul', [x, m3]), g.int64s([1])], { keepdims: { int: 0 } });
    const counts = g.op('ReduceSum', [m3, g.int64s([1])], { keepdims: { int: 0 } });
    pooled = g.op('Div', [summed, g.op('Max', [counts, g.floats([1e-9])])]);
  }
  const norm = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [pooled, pooled]), g.int64s([1])], { keepdims: { int: 1 } })]);
  return g.op('Div', [pooled, g.op('Max', [norm, g.floats([1e-12])])]);
}
