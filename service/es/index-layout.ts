/**
 * Shard and replica counts of a product index. The primary shard count is fixed when an index is created (change
 * it with a blue/green re-index); the replica count can change on a live index.
 */
import type { Client } from '@elastic/elasticsearch';
import { esCall } from './client.ts';
import { strataError } from '../errors.ts';

export interface IndexLayout {
  shards?: number | undefined;
  replicas?: number | undefined;
}

/**
 * Brings an existing index (or alias) to the asked layout: a different replica count is applied, a different
 * shard count is refused (naming `--reindex`). Returns what changed, for the caller to report.
 *
 * @example await applyLayout(es, 'products', { replicas: 1 }) // ['products-2026...: replicas 0 -> 1']
 */
export async function applyLayout(client: Client, index: string, { shards, replicas }: IndexLayout): Promise<string[]> {
  if (shards === undefined && replicas === undefined) return [];
  const res = await esCall(client, (c) => c.indices.getSettings({ index, filter_path: ['*.settings.index.number_of_*'] }));
  const changes: string[] = [];
  for (const [name, { settings }] of Object.entries(res)) {
    const have = { shards: Number(settings?.index?.number_of_shards), replicas: Number(settings?.index?.number_of_replicas) };
    if (shards !== undefined && have.shards !== shards) {
      throw strataError('validation', {
        summary: `shards: index "${name}" has ${have.shards} primary shards, fixed at creation; re-index into ${shards} with --reindex --shards ${shards}`,
      });
    }
    if (replicas !== undefined && have.replicas !== replicas) {
      await esCall(client, (c) => c.indices.putSettings({ index: name, settings: { number_of_replicas: replicas } }));
      changes.push(`${name}: replicas ${have.replicas} -> ${replicas}`);
    }
  }
  return changes;
}
