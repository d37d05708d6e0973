/**
 * A recognised stretch of the query before spans are chosen: recognisers propose candidates, overlapping ones
 * are resolved (longer and surer first), negation is attached, and the survivors become spans.
 */
import type { SpanKind } from './schema.ts';

export type Scalar = string | number | boolean;
export type Range = { gte?: number | string; gt?: number | string; lte?: number | string; lt?: number | string };

export interface Candidate {
  start: number;
  end: number;
  kind: SpanKind;
  field: string;
  value?: Scalar | Scalar[];
  range?: Range;
  confidence: number;
  match: 'exact' | 'synonym' | 'typo' | 'partial' | 'phrase';
  /** Ambiguous: may only ever boost. */
  soft?: boolean;
  /** Structure words ("under $500", "4+ stars") leave the relevance text; names and words stay in it. */
  strip: boolean;
  negated?: boolean;
  /** Category paths of the value's documents (numbers and attribute values), for consistency checks. */
  categories?: readonly string[];
}

/**
 * Keeps non-overlapping candidates, preferring longer ones, then surer ones, then earlier ones.
 *
 * @example resolveOverlaps([{ start: 0, end: 8, ... }, { start: 0, end: 3, ... }]) // the first only
 */
export function resolveOverlaps(candidates: readonly Candidate[]): Candidate[] {
  const ordered = [...candidates].sort((a, b) => b.end - b.start - (a.end - a.start) || b.confidence - a.confidence || a.start - b.start);
  const kept: Candidate[] = [];
  for (const c of ordered) if (!kept.some((k) => c.start < k.end && c.end > k.start)) kept.push(c);
  return kept.sort((a, b) => a.start - b.start);
}
