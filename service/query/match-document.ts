/**
 * Whether a document satisfies one constraint (a span, a boost or a labelled filter), with Elasticsearch's
 * filter semantics: exact keyword terms, category path prefixes, numeric and date ranges, a missing field never
 * matching. The reranker uses it for soft boosts; the benchmark for grading hits.
 */
import { resolveDateMath } from './date-math.ts';
import type { Range, Scalar } from './candidate.ts';

export interface Constraint {
  field: string;
  value?: Scalar | Scalar[] | undefined;
  range?: Range | undefined;
}

function fieldValue(doc: Record<string, unknown>, field: string): unknown {
  if (field.startsWith('attributes.')) {
    const attrs = doc['attributes'];
    return typeof attrs === 'object' && attrs !== null ? (attrs as Record<string, unknown>)[field.slice('attributes.'.length)] : undefined;
  }
  return doc[field];
}

function inRange(v: unknown, range: Range, nowMs: number, isDate: boolean): boolean {
  let x: number;
  if (isDate) x = typeof v === 'string' ? Date.parse(v) : NaN;
  else x = typeof v === 'number' ? v : NaN;
  if (Number.isNaN(x)) return false;
  const b = (bound: number | string | undefined, roundUp: boolean) =>
    bound === undefined ? undefined : typeof bound === 'number' ? bound : isDate ? resolveDateMath(bound, nowMs, roundUp) : Number(bound);
  const gte = b(range.gte, false);
  const gt = b(range.gt, true);
  const lte = b(range.lte, true);
  const lt = b(range.lt, false);
  return (gte === undefined || x >= gte) && (gt === undefined || x > gt) && (lte === undefined || x <= lte) && (lt === undefined || x < lt);
}

/**
 * Whether `doc` satisfies `c`.
 *
 * @example constraintMatches({ category: 'appliances/kitchen/fridges' }, { field: 'category', value: 'appliances/kitchen' }) // true
 */
export function constraintMatches(doc: Record<string, unknown>, c: Constraint, nowMs = Date.now()): boolean {
  const v = fieldValue(doc, c.field);
  if (v === undefined || v === null) return false;
  if (c.range) return inRange(v, c.range, nowMs, c.field === 'release_date');
  const wanted = Array.isArray(c.value) ? c.value : c.value === undefined ? [] : [c.value];
  if (c.field === 'category') {
    return typeof v === 'string' && wanted.some((w) => typeof w === 'string' && (v === w.replace(/\/+$/, '') || v.startsWith(`${w.replace(/\/+$/, '')}/`)));
  }
  return wanted.some((w) => w === v || (typeof w === 'number' && typeof v === 'number' && w === v));
}
