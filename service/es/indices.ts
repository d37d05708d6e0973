/**
 * Product indices behind an alias: the alias is what everyone reads and writes; a re-index builds a new
 * concrete index and swaps the alias atomically (blue/green). An existing index whose vector dims differ from
 * the encoder registry is refused, naming both.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { productIndexBody, type ProductIndexOptions } from '../../mappings/products.ts';
import { encoderSpec, vectorField } from '../encoders/registry.ts';
import { esCall } from './client.ts';
import { strataError } from '../errors.ts';

/** The concrete indices an alias points at (empty when the alias does not exist). */
export async function aliasTargets(client: Client, alias: string): Promise<string[]> {
  const exists = await esCall(client, (c) => c.indices.existsAlias({ name: alias }));
  if (!exists) return [];
  const res = await esCall(client, (c) => c.indices.getAlias({ name: alias }));
  return Object.keys(res);
}

/**
 * Checks that every encoder's vector field in `index` has the registry's dims.
 *
 * @example await checkVectorDims(es, 'products-1', ['text/chargram']);
 */
export async function checkVectorDims(client: Client, index: string, encoders: readonly string[]): Promise<void> {
  const res = await esCall(client, (c) => c.indices.getMapping({ index }));
  for (const [name, { mappings }] of Object.entries(res)) {
    const props = (mappings.properties ?? {}) as Record<string, estypes.MappingProperty>;
    for (const id of encoders) {
      const field = vectorField(id);
      const prop = props[field] as estypes.MappingDenseVectorProperty | undefined;
      const want = encoderSpec(id).dim;
      if (!prop) {
        throw strataError('dimension_mismatch', {
          reason: `index "${name}" has no vector field "${field}" for encoder ${id}; re-index with --reindex to add it`,
        });
      }
      if (prop.dims !== want) {
        throw strataError('dimension_mismatch', {
          reason: `index "${name}" field "${field}" has dims ${prop.dims} but encoder ${id} in the registry has dim ${want}; re-index with --reindex`,
        });
      }
    }
  }
}

/** A new concrete index name for an alias: `<alias>-<yyyymmddhhmmssSSS>`. */
export function versionedName(alias: string, now = new Date()): string {
  return `${alias}-${now.toISOString().replace(/[-:TZ.]/g, '').slice(0, 17)}`;
}

/** Creates a concrete index with the product mappings (no alias). */
export async function createProductIndex(client: Client, name: string, options: ProductIndexOptions): Promise<void> {
  const body = productIndexBody(options);
  await esCall(client, (c) => c.indices.create({ index: name, settings: body.settings, mappings: body.mappings }));
}

/**
 * Makes sure `alias` exists (creating a first concrete index when missing) and matches the registry.
 * Returns the concrete index name.
 *
 * @example const index = await ensureIndex(es, 'products', { encoders: ['text/chargram'] });
 */
export async function ensureIndex(client: Client, alias: string, options: ProductIndexOptions): Promise<string> {
  const targets = await aliasTargets(client, alias);
  if (targets.length > 0) {
    await checkVectorDims(client, alias, options.encoders);
    return targets[0]!;
  }
  const exists = await esCall(client, (c) => c.indices.exists({ index: alias }));
  if (exists) {
    // A plain index under the alias name (not made by Strata): use it as it is, after the dims check.
    await checkVectorDims(client, alias, options.encoders);
    return alias;
  }
  const name = versionedName(alias);
  await createProductIndex(client, name, options);
  await esCall(client, (c) => c.indices.putAlias({ index: name, name: alias }));
  return name;
}

/**
 * Points `alias` at `index` in one atomic step and deletes the indices it pointed at before.
 *
 * @example await swapAlias(es, 'products', 'products-20260101000000000');
 */
export async function swapAlias(client: Client, alias: string, index: string, { deleteOld = true } = {}): Promise<string[]> {
  const old = (await aliasTargets(client, alias)).filter((i) => i !== index);
  await esCall(client, (c) =>
    c.indices.updateAliases({
      actions: [...old.map((i) => ({ remove: { index: i, alias } })), { add: { index, alias } }],
    }),
  );
  if (deleteOld && old.length) await esCall(client, (c) => c.indices.delete({ index: old }));
  return old;
}

/**
 * The encoders an index was built with, from its mapping's `_meta`, in indexing order when the index records it
 * (`order` is null for indices made before the order was stored).
 *
 * @example const { dims, order } = await indexEncoders(es, 'products'); // order[0] is the kNN encoder
 */
export async function indexEncoders(client: Client, index: string): Promise<{ dims: Record<string, number>; order: string[] | null }> {
  const res = await esCall(client, (c) => c.indices.getMapping({ index }));
  const first = Object.values(res)[0];
  if (!first) throw strataError('not_found', { what: `index "${index}"` });
  const meta = first.mappings._meta as { strata?: { encoders?: Record<string, number>; encoder_order?: string[] } } | undefined;
  return { dims: meta?.strata?.encoders ?? {}, order: meta?.strata?.encoder_order ?? null };
}
