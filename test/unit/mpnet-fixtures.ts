/**
 * Test fixtures for MPNet: a tiny random MPNet written as a real safetensors file plus config.json (Hugging Face's
 * tensor names), and an independent reference forward pass in float64 loops that follows `modeling_mpnet.py`
 * literally: position ids from `input_ids != padding_idx`, the relative-position bucket formula in double
 * precision, the bias added to every layer's scores. It shares no code with the converter.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRng } from '../../training/eval/stats.ts';
import { meanPooledSentence, referenceOps, writeSafetensors, type Dtype } from './models-fixtures.ts';

export interface TinyMpnetOptions {
  layers?: number;
  hidden?: number;
  heads?: number;
  intermediate?: number;
  vocab?: number;
  maxPositions?: number;
  buckets?: number;
  act?: string;
  eps?: number;
  /** Prefix every tensor with `mpnet.` (as MPNetForMaskedLM checkpoints do). */
  prefix?: boolean;
  seed?: number;
}

export interface TinyMpnet {
  config: Record<string, unknown>;
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  options: Required<TinyMpnetOptions>;
}

/** MPNet's padding token id (and `padding_idx` of its position embeddings). */
export const MPNET_PAD = 1;

/** Builds a tiny random MPNet's config and weights. */
export function makeTinyMpnet(opts: TinyMpnetOptions = {}): TinyMpnet {
  const o: Required<TinyMpnetOptions> = {
    layers: 2, hidden: 32, heads: 4, intermediate: 64, vocab: 100, maxPositions: 300, buckets: 32, act: 'gelu', eps: 1e-5, prefix: false, seed: 7,
    ...opts,
  };
  const rand = createRng(o.seed);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  const add = (name: string, shape: number[], scale: number, centre = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = centre + (rand() * 2 - 1) * scale;
    weights.set(name, { shape, data });
  };
  const H = o.hidden;
  add('embeddings.word_embeddings.weight', [o.vocab, H], 1);
  add('embeddings.position_embeddings.weight', [o.maxPositions, H], 0.5);
  add('embeddings.LayerNorm.weight', [H], 0.2, 1);
  add('embeddings.LayerNorm.bias', [H], 0.1);
  for (let l = 0; l < o.layers; l++) {
    const p = `encoder.layer.${l}`;
    for (const part of ['q', 'k', 'v', 'o']) {
      add(`${p}.attention.attn.${part}.weight`, [H, H], 0.35);
      add(`${p}.attention.attn.${part}.bias`, [H], 0.1);
    }
    add(`${p}.attention.LayerNorm.weight`, [H], 0.2, 1);
    add(`${p}.attention.LayerNorm.bias`, [H], 0.1);
    add(`${p}.intermediate.dense.weight`, [o.intermediate, H], 0.3);
    add(`${p}.intermediate.dense.bias`, [o.intermediate], 0.1);
    add(`${p}.output.dense.weight`, [H, o.intermediate], 0.2);
    add(`${p}.output.dense.bias`, [H], 0.1);
    add(`${p}.output.LayerNorm.weight`, [H], 0.2, 1);
    add(`${p}.output.LayerNorm.bias`, [H], 0.1);
  }
  // Large enough that a wrong bucket or a missing bias moves the outputs far beyond the tolerance.
  add('encoder.relative_attention_bias.weight', [o.buckets, o.heads], 2);
  add('pooler.dense.weight', [H, H], 0.3);
  add('pooler.dense.bias', [H], 0.1);
  const config = {
    architectures: [o.prefix ? 'MPNetForMaskedLM' : 'MPNetModel'],
    model_type: 'mpnet',
    hidden_size: H,
    num_hidden_layers: o.layers,
    num_attention_heads: o.heads,
    intermediate_size: o.intermediate,
    vocab_size: o.vocab,
    max_position_embeddings: o.maxPositions,
    relative_attention_num_buckets: o.buckets,
    layer_norm_eps: o.eps,
    hidden_act: o.act,
    pad_token_id: MPNET_PAD,
  };
  return { config, weights, options: o };
}

/**
 * Writes a tiny MPNet folder: config.json + model.safetensors.
 *
 * @example const mpnet = await writeTinyMpnet(dir, { layers: 2 });
 */
export async function writeTinyMpnet(dir: string, opts: TinyMpnetOptions = {}, dtype: Dtype = 'F32'): Promise<TinyMpnet> {
  const m = makeTinyMpnet(opts);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(m.config, null, 2));
  const named = [...m.weights].map(([name, t]): [string, typeof t] => [opts.prefix ? `mpnet.${name}` : name, t]);
  await writeSafetensors(path.join(dir, 'model.safetensors'), named, dtype);
  return m;
}

/** `relative_position_bucket` of modeling_mpnet.py, in double precision. */
function bucketOf(relative: number, numBuckets = 32, maxDistance = 128): number {
  let ret = 0;
  let n = -relative;
  numBuckets = Math.floor(numBuckets / 2);
  if (n < 0) ret += numBuckets;
  n = Math.abs(n);
  const maxExact = Math.floor(numBuckets / 2);
  if (n < maxExact) return ret + n;
  const large = maxExact + Math.trunc((Math.log(n / maxExact) / Math.log(maxDistance / maxExact)) * (numBuckets - maxExact));
  return ret + Math.min(large, numBuckets - 1);
}

const MASKED = -3.4028234663852886e38;

/**
 * Runs the tiny MPNet on token ids (padded with `MPNET_PAD`) and a 0/1 mask; returns `last_hidden_state` and the
 * mean-pooled, L2-normalised sentence embedding.
 */
export function referenceForwardMpnet(m: TinyMpnet, ids: number[][], mask: number[][]): { hidden: number[][][]; sentence: number[][] } {
  const { hidden: H, heads, intermediate: I, eps, act, layers } = m.options;
  const { w, dense, layerNorm, gelu } = referenceOps(m.weights, eps, act);
  const relBias = w('encoder.relative_attention_bias.weight');
  const hd = H / heads;
  const out = { hidden: [] as number[][][], sentence: [] as number[][] };
  for (let b = 0; b < ids.length; b++) {
    const S = ids[b]!.length;
    // create_position_ids_from_input_ids: cumsum of (id != padding_idx), times that mask, plus padding_idx.
    let count = 0;
    const positions = ids[b]!.map((id) => (id !== MPNET_PAD ? ++count + MPNET_PAD : MPNET_PAD));
    let x = ids[b]!.map((id, s) => {
      const row = Array.from({ length: H }, (_, h) => w('embeddings.word_embeddings.weight')[id * H + h]! + w('embeddings.position_embeddings.weight')[positions[s]! * H + h]!);
      return layerNorm(row, 'embeddings.LayerNorm');
    });
    for (let l = 0; l < layers; l++) {
      const p = `encoder.layer.${l}`;
      const q = x.map((r) => dense(r, `${p}.attention.attn.q`, H, H));
      const k = x.map((r) => dense(r, `${p}.attention.attn.k`, H, H));
      const v = x.map((r) => dense(r, `${p}.attention.attn.v`, H, H));
      const ctx = x.map(() => new Array<number>(H).fill(0));
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < S; i++) {
          const scores: number[] = [];
          for (let j = 0; j < S; j++) {
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += q[i]![h * hd + d]! * k[j]![h * hd + d]!;
            const position = relBias[bucketOf(j - i) * heads + h]!;
            scores.push(dot / Math.sqrt(hd) + position + (mask[b]![j] ? 0 : MASKED));
          }
          const max = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - max));
          const z = e.reduce((a, c) => a + c, 0);
          for (let j = 0; j < S; j++) for (let d = 0; d < hd; d++) ctx[i]![h * hd + d]! += (e[j]! / z) * v[j]![h * hd + d]!;
        }
      }
      const attn = ctx.map((r, i) => layerNorm(dense(r, `${p}.attention.attn.o`, H, H).map((val, h) => val + x[i]![h]!), `${p}.attention.LayerNorm`));
      x = attn.map((r) => {
        const inter = dense(r, `${p}.intermediate.dense`, H, I).map(gelu);
        return layerNorm(dense(inter, `${p}.output.dense`, I, H).map((val, h) => val + r[h]!), `${p}.output.LayerNorm`);
      });
    }
    out.hidden.push(x);
    out.sentence.push(meanPooledSentence(x, mask[b]!));
  }
  return out;
}
