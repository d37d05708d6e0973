/**
 * Attribute filters typed by the index's own mapping before Elasticsearch sees them: `"weight": "heavy"` on a
 * numeric attribute, `true` on a keyword one is fine, a range on a boolean is not. Each mismatch is a 400
 * naming `filters.attributes.<name>` and the attribute's type, instead of Elasticsearch's parse error.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { esCall } from '../es/client.ts';
import { strataError } from '../errors.ts';
import { isDateBound, type Filters } from './filters.ts';

const NUMERIC = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long']);
const NUMBER_TEXT = /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Mapped attribute types per index, kept briefly (attributes are dynamic: a new one is simply not checked yet). */
const cache = new WeakMap<Client, Map<string, { at: number; types: Map<string, string> }>>();
const TTL_MS = 30_000;

/**
 * `attributes.*` field types of an index (dotted names for nested objects).
 *
 * @example (await attributeTypes(es, 'products')).get('weight_kg') // 'double'
 */
export async function attributeTypes(client: Client, index: string, now = Date.now()): Promise<Map<string, string>> {
  let perClient = cache.get(client);
  if (!perClient) cache.set(client, (perClient = new Map()));
  const hit = perClient.get(index);
  if (hit && now - hit.at < TTL_MS) return hit.types;
  const res = await esCall(client, (c) => c.indices.getMapping({ index }));
  const types = new Map<string, string>();
  const walk = (props: Record<string, estypes.MappingProperty> | undefined, prefix: string) => {
    for (const [name, prop] of Object.entries(props ?? {})) {
      const p = prop as { type?: string; properties?: Record<string, estypes.MappingProperty> };
      if (p.properties) walk(p.properties, `${prefix}${name}.`);
      else if (p.type) types.set(`${prefix}${name}`, p.type);
    }
  };
  for (const { mappings } of Object.values(res)) {
    const attrs = mappings.properties?.attributes as { properties?: Record<string, estypes.MappingProperty> } | undefined;
    walk(attrs?.properties, '');
  }
  perClient.set(index, { at: now, types });
  return types;
}

/**
 * What is wrong with one attribute filter value for a mapped type, or undefined.
 *
 * @example attributeProblem('double', 'heavy') // 'is a number attribute (double); "heavy" is not a number'
 */
export function attributeProblem(type: string, value: unknown): string | undefined {
  const isRange = value !== null && typeof value === 'object' && !Array.isArray(value);
  const values: unknown[] = Array.isArray(value) ? value : isRange ? Object.values(value as object).filter((v) => v !== undefined) : [value];
  if (NUMERIC.has(type)) {
    const bad = values.find((v) => !(typeof v === 'number' || (typeof v === 'string' && NUMBER_TEXT.test(v))));
    return bad === undefined ? undefined : `is a number attribute (${type}); ${JSON.stringify(bad).slice(0, 60)} is not a number`;
  }
  if (type === 'boolean') {
    if (isRange) return 'is a true/false attribute; it takes a value or a list, not a range';
    const bad = values.find((v) => !(typeof v === 'boolean' || v === 'true' || v === 'false'));
    return bad === undefined ? undefined : `is a true/false attribute; ${JSON.stringify(bad).slice(0, 60)} is neither`;
  }
  if (type === 'date') {
    const bad = values.find((v) => !(typeof v === 'number' || (typeof v === 'string' && isDateBound(v))));
    return bad === undefined ? undefined : `is a date attribute; ${JSON.stringify(bad).slice(0, 60)} is not an ISO date or date maths`;
  }
  return undefined;
}

/**
 * Throws a 400 naming every attribute filter whose values do not fit the attribute's mapped type.
 *
 * @example await checkFilterTypes(es, 'products', { attributes: { weight_kg: 'heavy' } }); // 400 filters.attributes.weight_kg
 */
export async function checkFilterTypes(client: Client, index: string, filters: Filters | undefined): Promise<void> {
  const attributes = Object.entries(filters?.attributes ?? {});
  if (attributes.length === 0) return;
  const types = await attributeTypes(client, index);
  const issues = attributes.flatMap(([name, value]) => {
    const type = types.get(name);
    const problem = type ? attributeProblem(type, value) : undefined;
    return problem ? [{ path: `filters.attributes.${name}`, message: `"${name}" ${problem}` }] : [];
  });
  if (issues.length) throw strataError('validation', { summary: issues.map((i) => `${i.path}: ${i.message}`).slice(0, 3).join('; ') }, { issues });
}
