/**
 * The BERT forward pass as an ONNX graph (opset 17): embeddings (word + position + token type, LayerNorm),
 * `num_hidden_layers` post-norm encoder layers (self-attention with an additive mask, GELU feed-forward), then
 * either a pooled, L2-normalised `sentence_embedding` (mean over unmasked tokens, or the [CLS] token) or, for
 * sequence classification, `pooler.dense` + tanh + `classifier` as `logits`. Inputs are int64 [batch, sequence].
 */
import type { BertConfig, Weights } from './bert-config.ts';
import { Graph } from './graph.ts';
import { linear, type LinearContext } from './linear.ts';

export const OPSET = 17;
/** The most negative float32 (what Hugging Face adds for masked keys): exp() of it is exactly zero. */
const MASKED = -3.4028234663852886e38;

export interface BertGraphOptions {
  /** Pooling for `sentence_embedding` (encoders only). */
  pooling?: 'mean' | 'cls';
  /** Quantize the encoder's dense layers to 8 bits (see `linear.ts`). */
  quantize?: boolean;
}

/**
 * Builds the graph from validated config and shape-checked weights.
 *
 * @example const g = buildBertGraph(bertWeights(st), parseBertConfig(cfg, file), { pooling: 'mean' });
 */
export function buildBertGraph(weights: Weights, cfg: BertConfig, options: BertGraphOptions = {}): Graph {
  const { pooling = 'mean', quantize = false } = options;
  const H = cfg.hidden_size;
  const g = new Graph(cfg.architecture);
  const ctx: LinearContext = { graph: g, quantize, quantized: new Map() };
  const dims = ['batch', 'sequence'];
  const ids = g.input('input_ids', 'int64', dims);
  const mask = g.input('attention_mask', 'int64', dims);
  const types = g.input('token_type_ids', 'int64', dims);

  const table = (name: string, rows: number) => g.init(name, { dtype: 'float32', dims: [rows, H], data: weights.get(name, [rows, H]) });
  const layerNorm = (x: string, name: string) => {
    const scale = g.init(`${name}.weight`, { dtype: 'float32', dims: [H], data: weights.get(`${name}.weight`, [H]) });
    const bias = g.init(`${name}.bias`, { dtype: 'float32', dims: [H], data: weights.get(`${name}.bias`, [H]) });
    return g.op('LayerNormalization', [x, scale, bias], { axis: { int: -1 }, epsilon: { float: cfg.layer_norm_eps } });
  };
  const dense = (c: LinearContext, x: string, name: string, inDim: number, outDim: number) =>
    linear(c, x, weights.get(`${name}.weight`, [outDim, inDim]), weights.get(`${name}.bias`, [outDim]), inDim, outDim, name);

  // Embeddings. Positions are 0..seq-1, taken from the input's runtime shape.
  const words = g.op('Gather', [table('embeddings.word_embeddings.weight', cfg.vocab_size), ids], { axis: { int: 0 } });
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.int64s([1], [])], { axis: { int: 0 } });
  const positions = g.op('Range', [g.int64s([0], []), seqLen, g.int64s([1], [])]);
  const pos = g.op('Gather', [table('embeddings.position_embeddings.weight', cfg.max_position_embeddings), positions], { axis: { int: 0 } });
  const typ = g.op('Gather', [table('embeddings.token_type_embeddings.weight', cfg.type_vocab_size), types], { axis: { int: 0 } });
  let x = layerNorm(g.op('Add', [g.op('Add', [words, pos]), typ]), 'embeddings.LayerNorm');

  // Additive attention mask [batch, 1, 1, sequence]: 0 where attended, the float32 minimum where padded.
  const maskF = g.op('Cast', [mask], { to: { int: 1 } });
  const additive = g.op('Mul', [g.op('Sub', [g.floats([1]), maskF]), g.floats([MASKED])]);
  const mask4 = g.op('Unsqueeze', [additive, g.int64s([1, 2])]);

  for (let i = 0; i < cfg.num_hidden_layers; i++) x = encoderLayer(g, ctx, x, mask4, `encoder.layer.${i}`, cfg, dense, layerNorm);
  g.output(x, 'last_hidden_state', 'float32', ['batch', 'sequence', H]);

  if (cfg.head === 'classifier') {
    const plain: LinearContext = { graph: g, quantize: false, quantized: new Map() };
    const labels = weights.shapeOf('classifier.weight')?.[0] ?? 1;
    const cls = g.op('Gather', [x, g.int64s([0], [])], { axis: { int: 1 } });
    const pooled = g.op('Tanh', [dense(plain, cls, 'pooler.dense', H, H)]);
    g.output(dense(plain, pooled, 'classifier', H, labels), 'logits', 'float32', ['batch', labels]);
    return g;
  }

  let pooled: string;
  if (pooling === 'cls') {
    pooled = g.op('Gather', [x, g.int64s([0], [])], { axis: { int: 1 } });
  } else {
    const m3 = g.op('Unsqueeze', [maskF, g.int64s([2])]);
    const summed = g.op('ReduceSum', [g.op('Mul', [x, m3]), g.int64s([1])], { keepdims: { int: 0 } });
    const counts = g.op('ReduceSum', [m3, g.int64s([1])], { keepdims: { int: 0 } });
    pooled = g.op('Div', [summed, g.op('Max', [counts, g.floats([1e-9])])]);
  }
  const norm = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [pooled, pooled]), g.int64s([1])], { keepdims: { int: 1 } })]);
  g.output(g.op('Div', [pooled, g.op('Max', [norm, g.floats([1e-12])])]), 'sentence_embedding', 'float32', ['batch', H]);
  return g;
}

type Dense = (c: LinearContext, x: string, name: string, inDim: number, outDim: number) => string;

function encoderLayer(
  g: Graph,
  ctx: LinearContext,
  x: string,
  mask4: string,
  prefix: string,
  cfg: BertConfig,
  dense: Dense,
  layerNorm: (x: string, name: string) => string,
): string {
  const H = cfg.hidden_size;
  const heads = cfg.num_attention_heads;
  const headDim = H / heads;
  const split = g.int64s([0, 0, heads, headDim]);
  const toHeads = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, split])], { perm: { ints: perm } });

  const q = toHeads(dense(ctx, x, `${prefix}.attention.self.query`, H, H), [0, 2, 1, 3]);
  const kT = toHeads(dense(ctx, x, `${prefix}.attention.self.key`, H, H), [0, 2, 3, 1]);
  const v = toHeads(dense(ctx, x, `${prefix}.attention.self.value`, H, H), [0, 2, 1, 3]);
  const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, kT]), g.floats([1 / Math.sqrt(headDim)])]), mask4]);
  const probs = g.op('Softmax', [scores], { axis: { int: -1 } });
  const merged = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: { ints: [0, 2, 1, 3] } }), g.int64s([0, 0, H])]);
  const attended = dense(ctx, merged, `${prefix}.attention.output.dense`, H, H);
  const h = layerNorm(g.op('Add', [attended, x]), `${prefix}.attention.output.LayerNorm`);

  const inter = activation(g, dense(ctx, h, `${prefix}.intermediate.dense`, H, cfg.intermediate_size), cfg.act);
  const out = dense(ctx, inter, `${prefix}.output.dense`, cfg.intermediate_size, H);
  return layerNorm(g.op('Add', [out, h]), `${prefix}.output.LayerNorm`);
}

function activation(g: Graph, x: string, act: BertConfig['act']): string {
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
