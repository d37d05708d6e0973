/**
 * What the training verbs need to talk to the stack: the ES client, the encoder pool, the cached query embedder,
 * and the text encoders of an index (from its mapping, in kNN-first order, unless given).
 */
import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../service/config.ts';
import { encoderContext, encoderSpec } from '../service/encoders/registry.ts';
import { createEsClient } from '../service/es/client.ts';
import { indexEncoders } from '../service/es/indices.ts';
import { createEncoderPool, type EncoderPool } from '../service/pool/pool.ts';
import { createQueryEmbedder, type QueryEmbedder } from '../service/usecases/embed.ts';

export interface Runtime {
  es: Client;
  pool: EncoderPool;
  queryEmbedder: QueryEmbedder;
  close(): Promise<void>;
}

/**
 * Opens the ES client and a pool (bounded queue large enough for batch jobs).
 *
 * @example const rt = openRuntime(config); try { ... } finally { await rt.close(); }
 */
export function openRuntime(config: Config, { es = true }: { es?: boolean } = {}): Runtime {
  const client = es ? createEsClient({ url: config.es.url, timeoutMs: 120_000 }) : (undefined as unknown as Client);
  const pool = createEncoderPool({
    threads: config.pool.threads,
    maxQueue: 16_384,
    context: encoderContext(config),
  });
  return {
    es: client,
    pool,
    queryEmbedder: createQueryEmbedder(pool),
    async close() {
      await pool.close();
      if (es) await client.close();
    },
  };
}

/**
 * The text encoders to use for an index: the given list; else the order the index records; for older indices
 * (whose `_meta` keys Elasticsearch returns sorted) the configured ones when they are exactly the index's, else
 * its only text encoder, else `--encoders` is required.
 *
 * @example await textEncodersOf(es, 'scifact-text_minilm-text_chargram', 'text/minilm,text/chargram')
 */
export async function textEncodersOf(es: Client, index: string, given?: string, configured: readonly string[] = []): Promise<string[]> {
  if (given) return list(given);
  const { dims, order } = await indexEncoders(es, index);
  const recorded = (order ?? Object.keys(dims)).filter((id) => encoderSpec(id).modality === 'text');
  if (order && recorded.length) return recorded;
  if (!recorded.length) throw new Error(`index "${index}" records no text encoders in its mapping: pass --encoders`);
  if (configured.length === recorded.length && configured.every((e) => recorded.includes(e))) return [...configured];
  if (recorded.length === 1) return recorded;
  throw new Error(`index "${index}" has several text encoders (${recorded.join(', ')}): pass --encoders with the kNN encoder first`);
}

/** Splits a comma list. */
export const list = (s: string | undefined): string[] => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/**
 * A CLI flag that must be a whole number >= 0 (commander hands over strings; `Number('')` would be 0 silently).
 *
 * @example nonNegativeInt('16', '--interaction-dims') // 16
 */
export function nonNegativeInt(s: string, flag: string): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number >= 0, got "${s}"`);
  return n;
}
