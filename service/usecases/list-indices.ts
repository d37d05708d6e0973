/**
 * The product indices a caller may search: aliases (what users name) and concrete indices behind none, each with
 * its document count and encoders (read from the mapping's `_meta.strata`), so a picker can say which ones take a
 * query image. Indices without Strata's mapping are not product indices and are left out.
 */
import type { Client } from '@elastic/elasticsearch';
import { z } from 'zod';
import { esCall } from '../es/client.ts';
import { listEncoderSpecs } from '../encoders/registry.ts';
import { ownsName } from '../tenants.ts';

export const IndexSummarySchema = z.object({
  name: z.string(),
  /** True for an alias; `indices` are then its concrete targets. */
  alias: z.boolean(),
  indices: z.array(z.string()),
  documents: z.number().int(),
  encoders: z.array(z.string()),
  /** The image encoder of the index, when it stores image vectors (search by picture works on it). */
  image_encoder: z.string().nullable(),
});
export const IndexListSchema = z.object({ indices: z.array(IndexSummarySchema) });
export type IndexSummary = z.infer<typeof IndexSummarySchema>;

/** Whether a tenant may use an index name (the rule of `authorizeIndex`, as a predicate). */
export function tenantMayUse(tenant: string, index: string): boolean {
  return ownsName(tenant, index);
}

/**
 * Lists product indices visible to `tenant` (`*`: all), aliases first, by name.
 *
 * @example const { indices } = await listProductIndices(es, '*'); indices[0] // { name: 'products', alias: true, ... }
 */
export async function listProductIndices(client: Client, tenant: string): Promise<{ indices: IndexSummary[] }> {
  const [mappings, aliases, stats] = await Promise.all([
    esCall(client, (c) => c.indices.getMapping({ index: '*', expand_wildcards: 'open' })),
    esCall(client, (c) => c.indices.getAlias({ index: '*', expand_wildcards: 'open' })),
    esCall(client, (c) => c.indices.stats({ index: '*', metric: 'docs', expand_wildcards: 'open' })),
  ]);
  const imageIds = new Set(listEncoderSpecs().filter((s) => s.modality === 'image').map((s) => s.id));
  const product = new Map<string, string[]>();
  for (const [name, { mappings: m }] of Object.entries(mappings)) {
    const meta = m._meta as { strata?: { encoders?: Record<string, number>; encoder_order?: string[] } } | undefined;
    if (meta?.strata?.encoders) product.set(name, meta.strata.encoder_order ?? Object.keys(meta.strata.encoders));
  }
  const docs = (index: string) => stats.indices?.[index]?.primaries?.docs?.count ?? 0;
  const summary = (name: string, alias: boolean, indices: string[]): IndexSummary => {
    const encoders = [...new Set(indices.flatMap((i) => product.get(i) ?? []))];
    return { name, alias, indices, documents: indices.reduce((s, i) => s + docs(i), 0), encoders, image_encoder: encoders.find((e) => imageIds.has(e)) ?? null };
  };
  const byAlias = new Map<string, string[]>();
  const behindAlias = new Set<string>();
  for (const [index, { aliases: a }] of Object.entries(aliases)) {
    if (!product.has(index)) continue;
    for (const name of Object.keys(a ?? {})) {
      byAlias.set(name, [...(byAlias.get(name) ?? []), index].sort());
      behindAlias.add(index);
    }
  }
  const out = [
    ...[...byAlias].map(([name, targets]) => summary(name, true, targets)),
    ...[...product.keys()].filter((i) => !behindAlias.has(i)).map((i) => summary(i, false, [i])),
  ];
  return {
    indices: out
      .filter((s) => !s.name.startsWith('.') && tenantMayUse(tenant, s.name))
      .sort((a, b) => Number(b.alias) - Number(a.alias) || a.name.localeCompare(b.name)),
  };
}
