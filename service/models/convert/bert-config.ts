/**
 * What the converter needs from a Hugging Face BERT checkpoint: `config.json` (validated), the head kind from
 * `architectures`, and a weight lookup that resolves the optional `bert.` prefix and checks every shape.
 */
import { z } from 'zod';
import { strataError } from '../../errors.ts';
import type { SafetensorsFile } from './safetensors.ts';

/** Architectures the converter understands, and what it builds for each. */
export const SUPPORTED_ARCHITECTURES = {
  BertModel: 'encoder',
  BertForMaskedLM: 'encoder',
  BertForSequenceClassification: 'classifier',
} as const;

export type HeadKind = (typeof SUPPORTED_ARCHITECTURES)[keyof typeof SUPPORTED_ARCHITECTURES];

/** `hidden_act` values and the GELU form each one means. */
export const ACTIVATIONS = { gelu: 'erf', gelu_new: 'tanh', gelu_pytorch_tanh: 'tanh', gelu_fast: 'tanh', relu: 'relu' } as const;

const BertConfigSchema = z.object({
  architectures: z.array(z.string()).optional(),
  model_type: z.string().optional(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  vocab_size: z.number().int().positive(),
  max_position_embeddings: z.number().int().positive(),
  type_vocab_size: z.number().int().nonnegative().default(2),
  layer_norm_eps: z.number().positive().default(1e-12),
  hidden_act: z.string().default('gelu'),
  position_embedding_type: z.string().default('absolute'),
});

export type BertConfig = z.infer<typeof BertConfigSchema> & { head: HeadKind; architecture: string; act: 'erf' | 'tanh' | 'relu' };

/**
 * Validates a parsed `config.json`; throws naming the file, the bad keys, or the unsupported architecture.
 *
 * @example const cfg = parseBertConfig(JSON.parse(text), '/models/x/config.json');
 */
export function parseBertConfig(raw: unknown, file: string): BertConfig {
  const supported = Object.keys(SUPPORTED_ARCHITECTURES).join(', ');
  const archs = (raw as { architectures?: unknown })?.architectures;
  const modelType = (raw as { model_type?: unknown })?.model_type;
  const architecture = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : modelType === 'bert' ? 'BertModel' : String(archs ?? modelType);
  const head = (SUPPORTED_ARCHITECTURES as Record<string, HeadKind>)[architecture];
  if (!head) throw strataError('model_unsupported', { architecture, file, supported });
  const parsed = BertConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw strataError('model_error', { file, reason: `invalid BERT config (${reason})` });
  }
  const c = parsed.data;
  const act = (ACTIVATIONS as Record<string, 'erf' | 'tanh' | 'relu'>)[c.hidden_act];
  if (!act) throw strataError('model_error', { file, reason: `unsupported hidden_act "${c.hidden_act}" (supported: ${Object.keys(ACTIVATIONS).join(', ')})` });
  if (c.position_embedding_type !== 'absolute') {
    throw strataError('model_error', { file, reason: `unsupported position_embedding_type "${c.position_embedding_type}" (only "absolute")` });
  }
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw strataError('model_error', { file, reason: `hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}` });
  }
  return { ...c, head, architecture, act };
}

export interface Weights {
  /** The tensor `name` (without the `bert.` prefix for encoder weights), checked against `shape`. */
  get(name: string, shape: number[]): Float32Array;
  /** The shape of a tensor, or undefined when absent. */
  shapeOf(name: string): number[] | undefined;
}

/**
 * Wraps a safetensors file: encoder weights are looked up with or without the `bert.` prefix; head weights
 * (`classifier.*`) as named. Errors name the tensor and give expected vs actual shape.
 *
 * @example bertWeights(st).get('embeddings.word_embeddings.weight', [30522, 384]);
 */
export function bertWeights(st: SafetensorsFile): Weights {
  const prefix = st.tensors.has('embeddings.word_embeddings.weight') || !st.tensors.has('bert.embeddings.word_embeddings.weight') ? '' : 'bert.';
  const resolve = (name: string) => (name.startsWith('classifier.') ? name : prefix + name);
  return {
    shapeOf: (name) => st.tensors.get(resolve(name))?.shape,
    get(name, shape) {
      const full = resolve(name);
      const info = st.tensors.get(full);
      if (!info) {
        const alt = name.startsWith('classifier.') ? '' : ` (also tried "${prefix ? name : `bert.${name}`}")`;
        throw strataError('model_error', { file: st.file, reason: `missing tensor "${full}"${alt}` });
      }
      if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
        throw strataError('model_error', {
          file: st.file,
          reason: `tensor "${full}" has shape [${info.shape.join(', ')}], expected [${shape.join(', ')}]`,
        });
      }
      return st.float32(full);
    },
  };
}
