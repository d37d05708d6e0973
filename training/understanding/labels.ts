/**
 * The hand-labelled query set for query understanding (`test/fixtures/understanding/*.jsonl`): each line is a
 * query with the filters a person would expect, in the search request's filter shape (`f`), and what they
 * would expect excluded (`not`). Labels are flattened into constraints of a kind (brand, category, attribute,
 * colour, number, price, rating, date, negation) and judged against catalog documents with Elasticsearch's
 * filter semantics, except that a labelled brand ignores case (a person writes "Fila", the catalog has "Fila"
 * and "FILA").
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FiltersSchema } from '../../service/retrieval/filters.ts';
import { constraintMatches, type Constraint } from '../../service/query/match-document.ts';
import type { Range, Scalar } from '../../service/query/candidate.ts';

export const LabelledQuerySchema = z.strictObject({ q: z.string().min(1), f: FiltersSchema, not: FiltersSchema.optional() });
export type LabelledQuery = z.infer<typeof LabelledQuerySchema>;

export const KINDS = ['brand', 'category', 'attribute', 'colour', 'number', 'price', 'rating', 'date', 'negation'] as const;
export type Kind = (typeof KINDS)[number];

export interface LabelledConstraint extends Constraint {
  negated: boolean;
  /** Labelled brands match case-insensitively. */
  caseless?: boolean;
}

/**
 * Reads a labelled query file (JSON lines), naming the line of any invalid entry.
 *
 * @example const queries = await readLabelledQueries('test/fixtures/understanding/demo.jsonl');
 */
export async function readLabelledQueries(file: string): Promise<LabelledQuery[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const out: LabelledQuery[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const parsed = LabelledQuerySchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    out.push(parsed.data);
  });
  return out;
}

function flatten(filters: Record<string, unknown> | undefined, negated: boolean): LabelledConstraint[] {
  const out: LabelledConstraint[] = [];
  for (const [key, v] of Object.entries(filters ?? {})) {
    if (key === 'attributes') {
      for (const [name, av] of Object.entries(v as Record<string, unknown>)) out.push(toConstraint(`attributes.${name}`, av, negated));
    } else out.push(toConstraint(key, v, negated));
  }
  return out;
}

function toConstraint(field: string, v: unknown, negated: boolean): LabelledConstraint {
  const isRange = typeof v === 'object' && v !== null && !Array.isArray(v);
  return { field, ...(isRange ? { range: v as Range } : { value: v as Scalar | Scalar[] }), negated, ...(field === 'brand' ? { caseless: true } : {}) };
}

/**
 * The constraints of a labelled query.
 *
 * @example labelledConstraints({ q: 'bosch fridge', f: { brand: 'Bosch' } }) // [{ field: 'brand', value: 'Bosch', negated: false, caseless: true }]
 */
export function labelledConstraints(q: LabelledQuery): LabelledConstraint[] {
  return [...flatten(q.f, false), ...flatten(q.not, true)];
}

/**
 * Whether a document satisfies a constraint (negation applied).
 *
 * @example satisfies(doc, { field: 'brand', value: 'fila', negated: false, caseless: true })
 */
export function satisfies(doc: Record<string, unknown>, c: LabelledConstraint, nowMs: number): boolean {
  let hit: boolean;
  if (c.caseless && typeof doc['brand'] === 'string') {
    const wanted = (Array.isArray(c.value) ? c.value : [c.value]).map((x) => String(x).toLowerCase());
    hit = wanted.includes((doc['brand'] as string).toLowerCase());
  } else hit = constraintMatches(doc, c, nowMs);
  return c.negated ? !hit : hit;
}

/**
 * The kind a constraint counts under: its field decides (a colour attribute is a colour, a numeric one a
 * number); any negated constraint is a negation.
 *
 * @example kindOf({ field: 'attributes.screen_in', range: { gte: 65 }, negated: false }, new Set(['attributes.screen_in'])) // 'number'
 */
export function kindOf(c: { field: string; negated: boolean }, numericFields: ReadonlySet<string>): Kind {
  if (c.negated) return 'negation';
  if (c.field === 'release_date') return 'date';
  if (c.field === 'brand' || c.field === 'category' || c.field === 'price' || c.field === 'rating') return c.field;
  if (/colou?r/i.test(c.field)) return 'colour';
  return numericFields.has(c.field) ? 'number' : 'attribute';
}
