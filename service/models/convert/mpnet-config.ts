/**
 * What the converter needs from a Hugging Face MPNet checkpoint (`MPNetModel`, `MPNetForMaskedLM`, e.g.
 * sentence-transformers/all-mpnet-base-v2): `config.json`, validated; weights come through
 * `checkpointWeights(st, 'mpnet.')`.
 */
import { z } from 'zod';
import { strataError } from '../../errors.ts';
import { activationOf, architectureOf, type HeadKind } from './checkpoint.ts';

const MpnetConfigSchema = z.object({
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  vocab_size: z.number().int().positive(),
  max_position_embeddings: z.number().int().min(3),
  relative_attention_num_buckets: z.number().int().positive().default(32),
  layer_norm_eps: z.number().positive().default(1e-12),
  hidden_act: z.string().default('gelu'),
});

export type MpnetConfig = z.infer<typeof MpnetConfigSchema> & { head: HeadKind; architecture: string; act: 'erf' | 'tanh' | 'relu' };

/**
 * Validates a parsed `config.json`; throws naming the file and the bad keys.
 *
 * @example const cfg = parseMpnetConfig(JSON.parse(text), '/models/all-mpnet-base-v2/config.json'); // cfg.hidden_size === 768
 */
export function parseMpnetConfig(raw: unknown, file: string): MpnetConfig {
  const { name: architecture, head } = architectureOf(raw, file);
  const parsed = MpnetConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw strataError('model_error', { file, reason: `invalid MPNet config (${reason})` });
  }
  const c = parsed.data;
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw strataError('model_error', { file, reason: `hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}` });
  }
  return { ...c, head, architecture, act: activationOf(c.hidden_act, file) };
}
