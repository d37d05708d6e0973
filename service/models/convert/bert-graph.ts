/**
 * The BERT forward pass as an ONNX graph (opset 17): embeddings (word + position + token type, LayerNorm),
 * `num_hidden_layers` post-norm encoder layers (self-attention with an additive mask, GELU feed-forward), then
 * either a pooled, L2-normalised `sentence_embedding` (mean over unmasked tokens, or the [CLS] token) or, for
 * sequence classification, `pooler.dense` + tanh + `classifier` as `logits`. Inputs are int64 [batch, sequence].
 * BERT-specific here: the tensor names and the wiring; the blocks and their plain/fused forms are shared
 * (`transformer-blocks.ts`).
 */
import type { BertConfig, Weights } from './bert-config.ts';
import { Graph } from './graph.ts';
import { linear, type GraphForm, type LinearContext } from './linear.ts';
import { attentionMask, denseActivation, denseAddNorm, embedLayerNorm, selfAttention, type DenseWeights, type NormWeights } from './transformer-blocks.ts';

export const OPSET = 17;

export interface BertGraphOptions {
  /** Pooling for `sentence_embedding` (encoders only). */
  pooling?: 'mean' | 'cls';
  /** Quantize the encoder's dense layers to 8 bits (see `linear.ts`). */
  quantize?: boolean;
  /** `fused` (default): onnxruntime's contrib kernels; `plain`: standard ONNX ops (the reference, and the old graph). */
  form?: GraphForm;
}

/**
 * Builds the graph from validated config and shape-checked weights.
 *
 * @example const g = buildBertGraph(bertWeights(st), parseBertConfig(cfg, file), { pooling: 'mean' });
 */
export function buildBertGraph(weights: Weights, cfg: BertConfig, options: BertGraphOptions = {}): Graph {
  const { pooling = 'mean', quantize = false, form = 'fused' } = options;
  const H = cfg.hidden_size;
  const g = new Graph(cfg.architecture);
  const ctx: LinearContext = { graph: g, quantize, form, quantized: new Map() };
  const dims = ['batch', 'sequence'];
  const ids = g.input('input_ids', 'int64', dims);
  const maskInput = g.input('attention_mask', 'int64', dims);
  const types = g.input('token_type_ids', 'int64', dims);

  const norm = (name: string): NormWeights => ({ gamma: weights.get(`${name}.weight`, [H]), beta: weights.get(`${name}.bias`, [H]) });
  const dense = (name: string, inDim: number, outDim: number): DenseWeights => ({
    weight: weights.get(`${name}.weight`, [outDim, inDim]),
    bias: weights.get(`${name}.bias`, [outDim]),
  });

  const names = {
    word: 'embeddings.word_embeddings.weight',
    position: 'embeddings.position_embeddings.weight',
    tokenType: 'embeddings.token_type_embeddings.weight',
    norm: 'embeddings.LayerNorm',
  };
  const tables = {
    word: weights.get(names.word, [cfg.vocab_size, H]),
    position: weights.get(names.position, [cfg.max_position_embeddings, H]),
    tokenType: weights.get(names.tokenType, [cfg.type_vocab_size, H]),
    vocab: cfg.vocab_size,
    maxPositions: cfg.max_position_embeddings,
    typeVocab: cfg.type_vocab_size,
    names,
  };
  let x = embedLayerNorm(ctx, ids, types, tables, norm(names.norm), H, cfg.layer_norm_eps);
  const mask = attentionMask(ctx, maskInput);

  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const p = `encoder.layer.${i}`;
    const self = { query: dense(`${p}.attention.self.query`, H, H), key: dense(`${p}.attention.self.key`, H, H), value: dense(`${p}.attention.self.value`, H, H) };
    const attended = selfAttention(ctx, x, self, mask, H, cfg.num_attention_heads, `${p}.attention.self`);
    const h = denseAddNorm(ctx, attended, x, dense(`${p}.attention.output.dense`, H, H), norm(`${p}.attention.output.LayerNorm`), H, H, cfg.layer_norm_eps, `${p}.attention.output`);
    const inter = denseActivation(ctx, h, dense(`${p}.intermediate.dense`, H, cfg.intermediate_size), H, cfg.intermediate_size, cfg.act, `${p}.intermediate.dense`);
    x = denseAddNorm(ctx, inter, h, dense(`${p}.output.dense`, cfg.intermediate_size, H), norm(`${p}.output.LayerNorm`), cfg.intermediate_size, H, cfg.layer_norm_eps, `${p}.output`);
  }
  g.output(x, 'last_hidden_state', 'float32', ['batch', 'sequence', H]);

  if (cfg.head === 'classifier') {
    const plain: LinearContext = { graph: g, quantize: false, form: 'plain', quantized: new Map() };
    const labels = weights.shapeOf('classifier.weight')?.[0] ?? 1;
    const head = (c: LinearContext, v: string, name: string, outDim: number) => {
      const d = dense(name, H, outDim);
      return linear(c, v, d.weight, d.bias, H, outDim, name);
    };
    const cls = g.op('Gather', [x, g.int64s([0], [])], { axis: { int: 1 } });
    const pooled = g.op('Tanh', [head(plain, cls, 'pooler.dense', H)]);
    g.output(head(plain, pooled, 'classifier', labels), 'logits', 'float32', ['batch', labels]);
    return g;
  }

  let pooled: string;
  if (pooling === 'cls') {
    pooled = g.op('Gather', [x, g.int64s([0], [])], { axis: { int: 1 } });
  } else {
    const m3 = g.op('Unsqueeze', [mask.float, g.int64s([2])]);
    const summed = g.op('ReduceSum', [g.op('Mul', [x, m3]), g.int64s([1])], { keepdims: { int: 0 } });
    const counts = g.op('ReduceSum', [m3, g.int64s([1])], { keepdims: { int: 0 } });
    pooled = g.op('Div', [summed, g.op('Max', [counts, g.floats([1e-9])])]);
  }
  const norm2 = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [pooled, pooled]), g.int64s([1])], { keepdims: { int: 1 } })]);
  g.output(g.op('Div', [pooled, g.op('Max', [norm2, g.floats([1e-12])])]), 'sentence_embedding', 'float32', ['batch', H]);
  return g;
}
