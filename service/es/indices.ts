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

export interface AliasState {
  /** Concrete indices behind the alias. */
  targets: string[];
  /** The index writes go to: the one marked `is_write_index`, or the only target; null when there is none. */
  writeIndex: string | null;
}

/**
 * The alias's targets and write index (empty when the alias does not exist).
 *
 * @example const { targets, writeIndex } = await aliasState(es, 'products');
 */
export async function aliasState(client: Client, alias: string): Promise<AliasState> {
  const exists = await esCall(client, (c) => c.indices.existsAlias({ name: alias }));
  if (!exists) return { targets: [], writeIndex: null };
  const res = await esCall(client, (c) => c.indices.getAlias({ name: alias }));
  const targets = Object.keys(res).sort();
  const marked = targets.filter((t) => res[t]?.aliases?.[alias]?.is_write_index === true);
  return { targets, writeIndex: marked.length === 1 ? marked[0]! : targets.length === 1 ? targets[0]! : null };
}

/** Strata's own concrete index names for an alias (`<alias>-<17 digits>`), the only ones it ever deletes. */
const ownIndexOf = (alias: string) => new RegExp(`^${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{17}$`);

/**
 * Repairs an alias that points at several indices with no write index (what racing first writes left before
 * creation was atomic): when at most one of them holds documents, that one (or the newest) becomes the write
 * index and Strata's empty extra indices are deleted. Otherwise the alias is named as broken, with the fix.
 *
 * @example await repairAlias(es, 'products', await aliasState(es, 'products'));
 */
export async function repairAlias(client: Client, alias: string, state: AliasState): Promise<string> {
  const counts = await Promise.all(state.targets.map(async (index) => ({ index, docs: (await esCall(client, (c) => c.count({ index }))).count })));
  const withDocs = counts.filter((x) => x.docs > 0);
  const own = ownIndexOf(alias);
  const extras = counts.filter((x) => x.docs === 0);
  if (withDocs.length > 1 || extras.some((x) => !own.test(x.index))) {
    throw strataError('alias_conflict', {
      reason:
        `alias "${alias}" points at ${state.targets.length} indices (${state.targets.join(', ')}) and none is its write index, so writes fail; ` +
        `${withDocs.length} of them hold documents. Re-index into one (\`strata index --reindex\`) or mark one with POST _aliases ` +
        `{"actions":[{"add":{"index":"<one>","alias":"${alias}","is_write_index":true}}]}`,
    }, { alias, indices: counts });
  }
  const keep = withDocs[0]?.index ?? [...state.targets].sort().at(-1)!;
  const drop = state.targets.filter((t) => t !== keep);
  await esCall(client, (c) =>
    c.indices.updateAliases({ actions: [...drop.map((index) => ({ remove: { index, alias } })), { add: { index: keep, alias, is_write_index: true } }] }),
  );
  if (drop.length) await esCall(client, (c) => c.indices.delete({ index: drop, ignore_unavailable: true }));
  return keep;
}

/**
 * Makes sure `alias` exists and matches the registry; returns its write index. Creation is atomic: the first
 * concrete index is created with the alias (as write index) in the same request, so of several racing first
 * writers exactly one creates it and the others find it (Elasticsearch refuses a second write index, and a
 * name taken in the same millisecond, as "already exists"), then use it. A broken alias is repaired or named.
 *
 * @example const index = await ensureIndex(es, 'products', { encoders: ['text/chargram'] });
 */
export async function ensureIndex(client: Client, alias: string, options: ProductIndexOptions): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const state = await aliasState(client, alias);
    if (state.targets.length > 0) {
      await checkVectorDims(client, alias, options.encoders);
      return state.writeIndex ?? (await repairAlias(client, alias, state));
    }
    const exists = await esCall(client, (c) => c.indices.exists({ index: alias }));
    if (exists) {
      // A plain index under the alias name (not made by Strata): use it as it is, after the dims check.
      await checkVectorDims(client, alias, options.encoders);
      return alias;
    }
    const name = versionedName(alias);
    const body = productIndexBody(options);
    try {
      await esCall(client, (c) => c.indices.create({ index: name, settings: body.settings, mappings: body.mappings, aliases: { [alias]: { is_write_index: true } } }));
      return name;
    } catch (err) {
      // Lost a race (another writer created the alias or the same name): read again and use what won.
      if (attempt < 3 && lostCreateRace(err)) continue;
      throw err;
    }
  }
}

/** Whether a create failed because another writer got there first. */
function lostCreateRace(err: unknown): boolean {
  const reason = err instanceof Error ? err.message : String(err);
  return /already exists|more than one write index/.test(reason);
}

/**
 * Points `alias` at `index` in one atomic step (as its write index) and deletes the indices it pointed at before.
 *
 * @example await swapAlias(es, 'products', 'products-20260101000000000');
 */
export async function swapAlias(client: Client, alias: string, index: string, { deleteOld = true } = {}): Promise<string[]> {
  const old = (await aliasTargets(client, alias)).filter((i) => i !== index);
  await esCall(client, (c) =>
    c.indices.updateAliases({
      actions: [...old.map((i) => ({ remove: { index: i, alias } })), { add: { index, alias, is_write_index: true } }],
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
