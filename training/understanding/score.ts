/**
 * Scoring query understanding against labelled queries. What the spans became (filters, exclusions, boosts;
 * values on one field joined as search joins them) is compared with the labelled constraints: a recognised
 * constraint is correct when a labelled one has the same field, the same negation and selects exactly the same
 * documents of the catalog (so "65 inch" as [65, 65.1) equals a labelled 65, and a category written at either
 * of two levels that hold the same products is the same category). Precision counts every recognised
 * constraint, hard or soft; recall every labelled one.
 */
import type { Understanding } from '../../service/query/schema.ts';
import type { Scalar } from '../../service/query/candidate.ts';
import { KINDS, kindOf, labelledConstraints, satisfies, type Kind, type LabelledConstraint } from './labels.ts';

/** A constraint the parser produced: a hard filter or exclusion, or a boost (boosts on one field merged). */
export interface PredictedConstraint extends LabelledConstraint {
  effect: 'filter' | 'boost';
  /** The span texts it came from. */
  text: string;
}

/**
 * What an understanding amounts to as constraints: its filters and negations (as search applies them, related
 * categories narrowed, values of one field joined), and its boosts, those on the same field joined likewise.
 *
 * @example predictedConstraints(understandQuery('lg or samsung tv', v)) // brand [LG, Samsung], category tv
 */
export function predictedConstraints(u: Understanding, { hardOnly = false } = {}): PredictedConstraint[] {
  const textOf = (field: string, negated: boolean, effect: 'filter' | 'boost') =>
    u.spans.filter((s) => s.field === field && s.negated === negated && s.effect === effect).map((s) => s.text).join(' + ');
  const hard = labelledConstraints({ q: '-', f: u.filters, not: u.negations }).map((c) => ({ ...c, caseless: false, effect: 'filter' as const, text: textOf(c.field, c.negated, 'filter') }));
  if (hardOnly) return hard;
  const soft = new Map<string, PredictedConstraint>();
  for (const b of u.boosts) {
    const key = `${b.field}|${b.negated}|${b.range ? JSON.stringify(b.range) : 'v'}`;
    const prev = soft.get(key);
    const values = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? (v as Scalar[]) : [v as Scalar]);
    if (prev && !b.range) prev.value = [...new Set([...values(prev.value), ...values(b.value)])];
    else if (!prev) soft.set(key, { field: b.field, ...(b.value !== undefined ? { value: b.value } : {}), ...(b.range ? { range: b.range } : {}), negated: b.negated, effect: 'boost', text: textOf(b.field, b.negated, 'boost') });
  }
  return [...hard, ...soft.values()];
}

export interface KindCounts {
  predicted: number;
  correct: number;
  labelled: number;
  found: number;
}

export type Tally = Record<Kind, KindCounts>;

export const emptyTally = (): Tally => Object.fromEntries(KINDS.map((k) => [k, { predicted: 0, correct: 0, labelled: 0, found: 0 }])) as Tally;

/** The set of catalog positions a constraint selects, as a string key for equality. */
function selection(docs: ReadonlyArray<Record<string, unknown>>, c: LabelledConstraint, nowMs: number): string {
  const bits: number[] = [];
  docs.forEach((d, i) => {
    if (satisfies(d, c, nowMs)) bits.push(i);
  });
  return bits.join(',');
}

export interface QueryScore {
  /** Predicted constraints judged: kind, whether a label matches. */
  spans: Array<{ text: string; kind: Kind; correct: boolean; effect: 'filter' | 'boost' }>;
  /** Labelled constraints: kind, whether a span matches. */
  labels: Array<{ field: string; kind: Kind; found: boolean }>;
}

/**
 * Scores one query's spans against its labelled constraints, adding to `tally`.
 *
 * @example scoreQuery(spans, labelledConstraints(q), catalog, numericFields, Date.now(), tally)
 */
export function scoreQuery(
  predicted: readonly PredictedConstraint[],
  labels: readonly LabelledConstraint[],
  docs: ReadonlyArray<Record<string, unknown>>,
  numericFields: ReadonlySet<string>,
  nowMs: number,
  tally: Tally,
): QueryScore {
  const labelSel = labels.map((l) => selection(docs, l, nowMs));
  const matchedLabels = new Set<number>();
  const out: QueryScore = { spans: [], labels: [] };
  for (const c of predicted) {
    const kind = kindOf(c, numericFields);
    const sel = selection(docs, c, nowMs);
    const j = labels.findIndex((l, i) => !matchedLabels.has(i) && l.field === c.field && l.negated === c.negated && labelSel[i] === sel);
    if (j >= 0) matchedLabels.add(j);
    tally[kind].predicted++;
    if (j >= 0) tally[kind].correct++;
    out.spans.push({ text: c.text, kind, correct: j >= 0, effect: c.effect });
  }
  labels.forEach((l, i) => {
    const kind = kindOf(l, numericFields);
    tally[kind].labelled++;
    if (matchedLabels.has(i)) tally[kind].found++;
    out.labels.push({ field: l.field, kind, found: matchedLabels.has(i) });
  });
  return out;
}

/**
 * nDCG@k of a ranked list where a hit is relevant (gain 1) when it satisfies every labelled constraint; the
 * ideal list holds min(k, number of such documents in the catalog). Null when no document satisfies them.
 *
 * @example constraintNdcg(['a', 'b'], new Set(['b']), 1, 10) // 1 / log2(3)
 */
export function constraintNdcg(ranked: readonly string[], relevant: ReadonlySet<string>, relevantTotal: number, k = 10): number | null {
  if (relevantTotal === 0) return null;
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(k, relevantTotal); i++) idcg += 1 / Math.log2(i + 2);
  return dcg / idcg;
}
