/**
 * Catalogs with their own column names (`product_name`, `sku`, `average_rating`, ...): `--map title=product_name`
 * reads a column as a catalog field, and `--unmapped` says what happens to the columns that are neither mapped nor
 * catalog fields: refused (`error`, the default, so a typo never passes silently), dropped (`ignore`), or kept as
 * `attributes.<column>` (`attributes`: a list of scalars becomes one comma-separated value; a nested object is
 * refused by name, never dropped). When rows are refused for unknown columns, `suggestMap` proposes a `--map` from
 * common column names.
 */
import { CatalogDocumentSchema } from './schema.ts';
import { strataError } from '../errors.ts';

/** The catalog's own field names. */
export const CATALOG_FIELDS = Object.keys(CatalogDocumentSchema.shape);

export type Unmapped = 'error' | 'ignore' | 'attributes';

export interface ColumnOptions {
  /** Catalog field (or `attributes.<name>`) -> column name in the file. */
  map?: Readonly<Record<string, string>>;
  unmapped?: Unmapped;
  /** Filled with the mapped columns met in at least one row, so a caller can name those never seen (a typo). */
  seen?: Set<string>;
}

/**
 * `name=value` pairs from command-line values, comma-separated or repeated; `fail` makes the error for a pair
 * without a name or a value (each option says it in its own words).
 *
 * @example splitPairs(['a=1,b=2'], (p) => new Error(p)) // [['a', '1'], ['b', '2']]
 */
export function splitPairs(specs: readonly string[], fail: (pair: string) => Error): Array<[string, string]> {
  return specs
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (eq <= 0 || value === '') throw fail(pair);
      return [name, value];
    });
}

/**
 * Parses `--map` values: `field=column` pairs, comma-separated or repeated.
 *
 * @example parseColumnMap(['title=product_name,id=sku']) // { title: 'product_name', id: 'sku' }
 */
export function parseColumnMap(specs: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  const columns = new Map<string, string>();
  for (const [field, column] of splitPairs(specs, (pair) => strataError('validation', { summary: `--map: "${pair}" is not field=column (e.g. title=product_name)` }))) {
    // `attributes=<column>`: one column holding them all (a JSON object, or name:value pairs).
    if (!CATALOG_FIELDS.includes(field) && !/^attributes\.[\w.-]+$/.test(field)) {
      throw strataError('validation', { summary: `--map: "${field}" is not a catalog field (${CATALOG_FIELDS.join(', ')}, or attributes.<name>)` });
    }
    if (field in map) throw strataError('validation', { summary: `--map: ${field} is mapped twice` });
    const other = columns.get(column);
    if (other) throw strataError('validation', { summary: `--map: column "${column}" is mapped to both ${other} and ${field}` });
    map[field] = column;
    columns.set(column, field);
  }
  return map;
}

/**
 * One raw record (a JSON object, or a CSV row of strings) with its columns renamed to catalog fields; `attributes.x`
 * targets and, with `unmapped: 'attributes'`, the unknown columns land in `attributes` (as `attributes.<name>` keys
 * with `flat`, the CSV reader's form). A mapped column is renamed, not copied.
 *
 * @example mapColumns({ sku: 'A1', product_name: 'Desk', colour: 'oak' }, { map: { id: 'sku', title: 'product_name' }, unmapped: 'attributes' })
 *   // { id: 'A1', title: 'Desk', attributes: { colour: 'oak' } }
 */
export function mapColumns(record: Record<string, unknown>, options: ColumnOptions, { flat = false }: { flat?: boolean } = {}): Record<string, unknown> {
  const { map = {}, unmapped = 'error' } = options;
  if (!Object.keys(map).length && unmapped === 'error') return record;
  const sources = new Set(Object.values(map));
  const out: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (sources.has(key)) continue;
    if (CATALOG_FIELDS.includes(key) || key.startsWith('attributes.') || key === 'lat' || key === 'lon' || key.startsWith('location.')) out[key] = value;
    else if (unmapped === 'error') out[key] = value;
    else if (unmapped === 'attributes') attributes[key] = asAttribute(value);
  }
  for (const [field, column] of Object.entries(map)) {
    if (!(column in record)) continue;
    options.seen?.add(column);
    if (field.startsWith('attributes.')) attributes[field.slice('attributes.'.length)] = record[column];
    else out[field] = record[column];
  }
  // A CSV row keeps attributes as `attributes.<name>` columns, which the CSV reader gathers.
  if (flat) {
    for (const [k, v] of Object.entries(attributes)) out[`attributes.${k}`] = v;
  } else if (Object.keys(attributes).length) {
    const given = typeof out.attributes === 'string' ? (attributePairs(out.attributes) ?? out.attributes) : out.attributes;
    if (typeof given === 'string') return out; // not pairs: the schema names the field; the row is refused anyway
    const own = given && typeof given === 'object' && !Array.isArray(given) ? (given as Record<string, unknown>) : {};
    out.attributes = { ...attributes, ...own };
  }
  return out;
}

/**
 * Attributes written as `name:value` (or `name=value`) pairs separated by `|` (or `;`), as shops and WANDS'
 * `product_features` export them; a name given twice keeps its values comma-joined. Undefined when the text is not
 * such a list (a part without a separator or a name), so the schema names the field instead of a guess.
 *
 * @example attributePairs('color:white|width (in):64.7') // { color: 'white', 'width (in)': '64.7' }
 */
export function attributePairs(text: string): Record<string, string> | undefined {
  const parts = text.split(text.includes('|') ? '|' : ';').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return undefined;
  const out: Record<string, string> = {};
  for (const part of parts) {
    const at = part.search(/[:=]/);
    if (at <= 0) return undefined;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (!name || name === '__proto__') return undefined;
    if (value === '') continue;
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${value}` : value;
  }
  return out;
}

const isScalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * An unmapped column's value as an attribute: scalars as they are, a list of scalars as one comma-separated value
 * (an attribute holds one value), and anything else as it is, for the schema to refuse by name.
 */
function asAttribute(value: unknown): unknown {
  return Array.isArray(value) && value.every(isScalar) ? value.join(', ') : value;
}

const GUESSES: Array<[RegExp, string]> = [
  [/^((product|item|article|uniq|doc)[ _]?(id|uid)|sku|asin|_id|uid|uuid)$/i, 'id'],
  [/^(name|(product|item|prod)[ _]?name|(product|item)[ _]?title|headline)$/i, 'title'],
  [/^(desc|(product|item)[ _]?description|detail[ _]?desc|body|text|content|details|summary|abstract)$/i, 'description'],
  [/^((product|item)[ _]?brand|brand[ _]?name|manufacturer|maker|vendor)$/i, 'brand'],
  // A path beats a flat class when a file has both (WANDS: "category hierarchy" and product_class).
  [/^(categories|category[ _]?(path|tree|hierarchy)|(product|item)[ _]?category[ _]?(tree|path))$/i, 'category'],
  [/^((product|item)[ _]?(class|category|type)([ _]?name)?|class|department)$/i, 'category'],
  [/^((sale|list|retail|selling|discounted|current)[ _]?price|price[ _]?usd|cost|amount)$/i, 'price'],
  [/^(average[ _]?rating|avg[ _]?rating|stars|rating[ _]?value|review[ _]?score|product[ _]?rating)$/i, 'rating'],
  [/^(rating[ _]?count|num[ _]?reviews|reviews?[ _]?count|ratings[ _]?total|number[ _]?of[ _]?reviews)$/i, 'review_count'],
  [/^(image[ _]?(url|link)|im[ _]?url|img|img[ _]?url|photo|picture|thumbnail)$/i, 'image'],
  [/^(released|release|publish(ed)?[ _]?date|date[ _]?added|created[ _]?at)$/i, 'release_date'],
  [/^((product|item)[ _]?(features|attributes|specs|specifications)|features|specs|specifications)$/i, 'attributes'],
];

/**
 * A `--map` value for unknown columns with common names, or undefined when none looks like a catalog field; `present`
 * are all the file's columns.
 *
 * @example suggestMap(['product_id', 'product_name', 'colour']) // 'id=product_id,title=product_name'
 */
export function suggestMap(unknown: readonly string[], present: readonly string[] = []): string | undefined {
  // A field the file already has a column for is not proposed again (WANDS has review_count beside rating_count).
  const taken = new Set<string>(present.filter((c) => CATALOG_FIELDS.includes(c)));
  // Each field takes the column its earliest pattern matches (the first such column); pairs keep the file's order.
  const best = new Map<string, { column: string; rank: number }>();
  for (const column of unknown) {
    const rank = GUESSES.findIndex(([re]) => re.test(column));
    if (rank === -1) continue;
    const field = GUESSES[rank]![1];
    if (taken.has(field)) continue;
    const prior = best.get(field);
    if (!prior || rank < prior.rank) best.set(field, { column, rank });
  }
  const chosen = new Map([...best].map(([field, { column }]) => [column, field]));
  const pairs = unknown.filter((c) => chosen.has(c)).map((c) => `${chosen.get(c)}=${c}`);
  return pairs.length ? pairs.join(',') : undefined;
}

/** The unknown keys named in a row's errors (`product_name: unknown field`). */
export function unknownColumnsOf(errors: readonly string[]): string[] {
  return errors.flatMap((e) => {
    const m = /^(.+): unknown field$/.exec(e);
    return m && !m[1]!.includes('.') ? [m[1]!.replace(/^"|"$/g, '')] : [];
  });
}
