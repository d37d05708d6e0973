/**
 * The MPNet forward pass as an ONNX graph (opset 17), for sentence encoders such as all-mpnet-base-v2. What differs
 * from BERT (`bert-graph.ts`; the blocks are shared, `transformer-blocks.ts`):
 * - no token types: the inputs are `input_ids` and `attention_mask` only;
 * - position ids count from past the padding index: `padding_idx + 1 + (number of real tokens so far)`, padding
 *   at `padding_idx` (Hugging Face derives them from `input_ids != padding_idx`; here from the mask, which is the
 *   same for right-padded batches and does not depend on the tokenizer's pad id);
 * - one relative-position bias `[heads, seq, seq]`, looked up from `encoder.relative_attention_bias` by bucketed
 *   distance (`relative-position.ts`), computed once and added to every layer's attention scores;
 * - tensor names: `attention.attn.{q,k,v,o}`, `attention.LayerNorm`.
 * Output: `last_hidden_state` and the pooled, L2-normalised `sentence_embedding`.
 */
import type { Weights } from './checkpoint.ts';
import { Graph } from './graph.ts';
import type { GraphForm, LinearContext } from './linear.ts';
import type { MpnetConfig } from './mpnet-config.ts';
import { relativeBucketTable } from './relative-position.ts';
import { attentionMask, denseActivation, denseAddNorm, embedLayerNorm, selfAttention, sentenceEmbedding, type DenseWeights, type NormWeights } from './transformer-blocks.ts';

/** Hugging Face's `MPNetEmbeddings` fixes the padding index at 1, whatever the config says. */
export const MPNET_PADDING_IDX = 1;

export interface MpnetGraphOptions {
  pooling?: 'mean' | 'cls';
  /** Quantize the encoder's dense layers to 8 bits (see `linear.ts`). */
  quantize?: boolean;
  /** `fused` (default): onnxruntime's contrib kernels; `plain`: standard ONNX ops (the reference). */
  form?: GraphForm;
}

/**
 * Builds the graph from validated config and shape-checked weights.
 *
 * @example const g = buildMpnetGraph(checkpointWeights(st, 'mpnet.'), parseMpnetConfig(cfg, file), { quantize: true });
 */
export function buildMpnetGraph(weights: Weights, cfg: MpnetConfig, options: MpnetGraphOptions = {}): Graph {
  const { pooling = 'mean', quantize = false, form = 'fused' } = options;
  const H = cfg.hidden_size;
  const heads = cfg.num_attention_heads;
  const eps = cfg.layer_norm_eps;
  const g = new Graph(cfg.architecture);
  // The feed-forward output dense stays float32 in the int8 graph: its input (GELU of a 3072-wide expansion) has
  // outlier channels that one dynamic uint8 scale per tensor crushes. On 48 Banking77/SciFact texts, int8 against
  // fp32 had a mean cosine of 0.901 (min 0.851) with every dense quantized, 0.993 (min 0.986) with this one kept;
  // keeping attention output, FFN input or QKV float instead left it at ~0.90.
  const ctx: LinearContext = { graph: g, quantize, form, quantized: new Map(), keepFloat: (n) => n.endsWith('.output.dense') };
  const dims = ['batch', 'sequence'];
  const ids = g.input('input_ids', 'int64', dims);
  const maskInput = g.input('attention_mask', 'int64', dims);

  const norm = (name: string): NormWeights => ({ gamma: weights.get(`${name}.weight`, [H]), beta: weights.get(`${name}.bias`, [H]) });
  const dense = (name: string, inDim: number, outDim: number): DenseWeights => ({
    weight: weights.get(`${name}.weight`, [outDim, inDim]),
    bias: weights.get(`${name}.bias`, [outDim]),
  });

  const names = { word: 'embeddings.word_embeddings.weight', position: 'embeddings.position_embeddings.weight', norm: 'embeddings.LayerNorm' };
  const tables = {
    word: weights.get(names.word, [cfg.vocab_size, H]),
    position: weights.get(names.position, [cfg.max_position_embeddings, H]),
    vocab: cfg.vocab_size,
    maxPositions: cfg.max_position_embeddings,
    typeVocab: 0,
    names,
  };
  const positions = g.op('Add', [g.op('Mul', [g.op('CumSum', [maskInput, g.int64s([1], [])]), maskInput]), g.int64s([MPNET_PADDING_IDX], [])]);
  let x = embedLayerNorm(ctx, ids, undefined, tables, norm(names.norm), H, eps, positions);
  const mask = attentionMask(ctx, maskInput);
  const bias = relativePositionBias(g, ids, weights.get('encoder.relative_attention_bias.weight', [cfg.relative_attention_num_buckets, heads]), cfg);

  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const p = `encoder.layer.${i}`;
    const attn = { query: dense(`${p}.attention.attn.q`, H, H), key: dense(`${p}.attention.attn.k`, H, H), value: dense(`${p}.attention.attn.v`, H, H) };
    const attended = selfAttention(ctx, x, attn, mask, H, heads, `${p}.attention.attn`, bias);
    const h = denseAddNorm(ctx, attended, x, dense(`${p}.attention.attn.o`, H, H), norm(`${p}.attention.LayerNorm`), H, H, eps, `${p}.attention`);
    const inter = denseActivation(ctx, h, dense(`${p}.intermediate.dense`, H, cfg.intermediate_size), H, cfg.intermediate_size, cfg.act, `${p}.intermediate.dense`);
    x = denseAddNorm(ctx, inter, h, dense(`${p}.output.dense`, cfg.intermediate_size, H), norm(`${p}.output.LayerNorm`), cfg.intermediate_size, H, eps, `${p}.output`);
  }
  g.output(x, 'last_hidden_state', 'float32', ['batch', 'sequence', H]);
  g.output(sentenceEmbedding(g, x, mask, pooling), 'sentence_embedding', 'float32', ['batch', H]);
  return g;
}

/**
 * `[1, heads, seq, seq]`: `table[bucket(j - i)]` for query i and key j, from the runtime sequence length. Hugging
 * Face computes the distances from 0..seq-1 (not from the position ids), so padding does not shift them.
 */
function relativePositionBias(g: Graph, ids: string, table: Float32Array, cfg: MpnetConfig): string {
  const span = cfg.max_position_embeddings;
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.int64s([1], [])], { axis: { int: 0 } });
  const range = g.op('Range', [g.int64s([0], []), seqLen, g.int64s([1], [])]);
  // relative[i][j] = j - i, shifted by `span` to index the bucket lookup.
  const relative = g.op('Sub', [g.op('Unsqueeze', [range, g.int64s([0])]), g.op('Unsqueeze', [range, g.int64s([1])])]);
  const lookup = g.init('encoder.relative_position_buckets', { dtype: 'int64', dims: [2 * span + 1], data: relativeBucketTable(span) });
  const buckets = g.op('Gather', [lookup, g.op('Add', [relative, g.int64s([span], [])])], { axis: { int: 0 } });
  const weight = g.init('encoder.relative_attention_bias.weight', { dtype: 'float32', dims: [cfg.relative_attention_num_buckets, cfg.num_attention_heads], data: table });
  const values = g.op('Gather', [weight, buckets], { axis: { int: 0 } });
  return g.op('Unsqueeze', [g.op('Transpose', [values], { perm: { ints: [2, 0, 1] } }), g.int64s([0])]);
}
