/**
 * What the converter needs from a Hugging Face BERT checkpoint: `config.json` (validated) and the head kind from
 * `architectures`; weights come through `checkpointWeights(st, 'bert.')`.
 */
import { z } from 'zod';
import { strataError } from '../../errors.ts';
import { activationOf, architectureOf, type HeadKind } from './checkpoint.ts';

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
  const { name: architecture, head } = architectureOf(raw, file);
  const parsed = BertConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw strataError('model_error', { file, reason: `invalid BERT config (${reason})` });
  }
  const c = parsed.data;
  const act = activationOf(c.hidden_act, file);
  if (c.position_embedding_type !== 'absolute') {
    throw strataError('model_error', { file, reason: `unsupported position_embedding_type "${c.position_embedding_type}" (only "absolute")` });
  }
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw strataError('model_error', { file, reason: `hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}` });
  }
  return { ...c, head, architecture, act };
}
