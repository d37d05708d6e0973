/**
 * Out-of-scope (OOS) metrics of an abstaining classifier, in the terms of the intent-detection literature
 * (Larson et al. 2019, CLINC150): every row has an in-scope score (higher = more in scope), the head answers when
 * score >= threshold and abstains otherwise.
 * - in-scope accuracy: in-scope rows answered with the right label / all in-scope rows (abstaining is an error);
 * - in-scope precision: right answers / all answers (an answered OOS row is a wrong answer);
 * - OOS recall: OOS rows abstained on / all OOS rows; OOS precision: OOS rows among the abstentions;
 * - AUROC: probability that an in-scope row scores above an OOS row (threshold-free).
 */
import { createRng } from './stats.ts';

export interface ScoredRows {
  /** In-scope score of each row (higher = more in scope). */
  scores: ArrayLike<number>;
  /** 1 when the row's true label is one the head knows. */
  inScope: ArrayLike<number>;
  /** 1 when the head's arg-max label is the row's true label (always 0 for OOS rows). */
  correct: ArrayLike<number>;
}

export interface OosPoint {
  threshold: number;
  inScopeAccuracy: number;
  inScopeRecall: number;
  inScopePrecision: number;
  oosRecall: number;
  oosPrecision: number;
  /** Share of all rows answered. */
  coverage: number;
}

export interface OosTarget {
  metric: 'precision' | 'oos_recall';
  value: number;
}

/**
 * `precision:0.95` or `oos-recall:0.8` as a target (a clear error otherwise).
 *
 * @example parseOosTarget('oos-recall:0.8') // { metric: 'oos_recall', value: 0.8 }
 */
export function parseOosTarget(text: string): OosTarget {
  const m = /^(precision|oos[-_]recall)[:=]([0-9.]+)$/.exec(text.trim());
  const value = m ? Number(m[2]) : NaN;
  if (!m || !(value > 0 && value <= 1)) throw new Error(`--oos-target: expected precision:<0-1> or oos-recall:<0-1>, got "${text}"`);
  return { metric: m[1] === 'precision' ? 'precision' : 'oos_recall', value };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/**
 * Area under the ROC curve of in-scope (positive) vs OOS (negative) rows by their scores (ties count half).
 *
 * @example auroc([0.9, 0.8], [0.1, 0.85]) // 0.75
 */
export function auroc(positive: ArrayLike<number>, negative: ArrayLike<number>): number {
  const all = [...Array.from(positive, (s) => [s, 1] as const), ...Array.from(negative, (s) => [s, 0] as const)].sort((a, b) => a[0] - b[0]);
  // Rank-sum (Mann-Whitney U) with mid-ranks for ties.
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const midRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (all[t]![1]) rankSum += midRank;
    i = j;
  }
  const p = positive.length;
  const q = negative.length;
  return p && q ? (rankSum - (p * (p + 1)) / 2) / (p * q) : NaN;
}

/**
 * AUROC of the rows' scores (in-scope rows positive).
 *
 * @example aurocOf({ scores: [0.9, 0.1], inScope: [1, 0], correct: [1, 0] }) // 1
 */
export function aurocOf(rows: ScoredRows): number {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < rows.scores.length; i++) (rows.inScope[i] ? pos : neg).push(rows.scores[i]!);
  return auroc(pos, neg);
}

/**
 * The metrics when rows scoring below `threshold` are abstained on.
 *
 * @example oosMetricsAt({ scores: [0.9, 0.2], inScope: [1, 0], correct: [1, 0] }, 0.5).oosRecall // 1
 */
export function oosMetricsAt(rows: ScoredRows, threshold: number): OosPoint {
  let inScope = 0, oos = 0, answered = 0, answeredRight = 0, rejected = 0, rejectedOos = 0, acceptedIn = 0;
  for (let i = 0; i < rows.scores.length; i++) {
    const accept = rows.scores[i]! >= threshold;
    if (rows.inScope[i]) inScope++;
    else oos++;
    if (accept) {
      answered++;
      if (rows.correct[i]) answeredRight++;
      if (rows.inScope[i]) acceptedIn++;
    } else {
      rejected++;
      if (!rows.inScope[i]) rejectedOos++;
    }
  }
  return {
    threshold,
    inScopeAccuracy: ratio(answeredRight, inScope),
    inScopeRecall: ratio(acceptedIn, inScope),
    inScopePrecision: ratio(answeredRight, answered),
    oosRecall: ratio(rejectedOos, oos),
    oosPrecision: ratio(rejectedOos, rejected),
    coverage: ratio(answered, rows.scores.length),
  };
}

/**
 * Every distinct operating point, from answering everything to abstaining on all but the top-scoring rows: one
 * point per distinct score (threshold halfway between it and the next lower score), in increasing threshold.
 *
 * @example oosCurve(rows).map((p) => [p.oosRecall, p.inScopeAccuracy])
 */
export function oosCurve(rows: ScoredRows): OosPoint[] {
  const n = rows.scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rows.scores[a]! - rows.scores[b]!);
  let inScope = 0, correct = 0;
  for (let i = 0; i < n; i++) {
    inScope += rows.inScope[i] ? 1 : 0;
    correct += rows.correct[i] ? 1 : 0;
  }
  const oos = n - inScope;
  const out: OosPoint[] = [];
  // Rows before position i are rejected; sweep i over the first row of each run of equal scores.
  let rejIn = 0, rejOos = 0, rejRight = 0;
  for (let i = 0; i < n; ) {
    const s = rows.scores[order[i]!]!;
    const below = i > 0 ? rows.scores[order[i - 1]!]! : s - 1e-6;
    const answered = n - i;
    const answeredRight = correct - rejRight;
    out.push({
      threshold: i > 0 ? (s + below) / 2 : s,
      inScopeAccuracy: ratio(answeredRight, inScope),
      inScopeRecall: ratio(inScope - rejIn, inScope),
      inScopePrecision: ratio(answeredRight, answered),
      oosRecall: ratio(rejOos, oos),
      oosPrecision: ratio(rejOos, i),
      coverage: answered / n,
    });
    let j = i;
    while (j < n && rows.scores[order[j]!]! === s) {
      const r = order[j]!;
      if (rows.inScope[r]) rejIn++;
      else rejOos++;
      if (rows.correct[r]) rejRight++;
      j++;
    }
    i = j;
  }
  return out;
}

/**
 * The operating point that meets `target` while answering as much as possible: the lowest threshold whose
 * in-scope precision reaches the target (`precision`), or whose OOS recall does (`oos_recall`). When no threshold
 * reaches it, the point closest to it (`met: false`).
 *
 * @example chooseThreshold(rows, { metric: 'oos_recall', value: 0.8 }).threshold
 */
export function chooseThreshold(rows: ScoredRows, target: OosTarget): OosPoint & { met: boolean } {
  const curve = oosCurve(rows);
  const value = (p: OosPoint) => (target.metric === 'precision' ? p.inScopePrecision : p.oosRecall);
  // Keep at least one answered row: a threshold above every score answers nothing.
  const hit = curve.find((p) => value(p) >= target.value);
  if (hit) return { ...hit, met: true };
  const closest = curve.reduce((best, p) => (value(p) > value(best) ? p : best), curve[0]!);
  return { ...closest, met: false };
}

/**
 * Down-samples a curve to about `points` points evenly spread over its index (first and last kept), for reports.
 *
 * @example thinCurve(oosCurve(rows), 100)
 */
export function thinCurve(curve: readonly OosPoint[], points = 100): OosPoint[] {
  if (curve.length <= points) return [...curve];
  const step = (curve.length - 1) / (points - 1);
  return Array.from({ length: points }, (_, i) => curve[Math.round(i * step)]!);
}

export interface Interval {
  value: number;
  lower: number;
  upper: number;
}

export type OosSummary = Record<'auroc' | 'inScopeAccuracy' | 'inScopeRecall' | 'inScopePrecision' | 'oosRecall' | 'oosPrecision' | 'closedAccuracy', Interval>;

/**
 * The metrics at `threshold` and the AUROC, each with a percentile bootstrap interval over rows (resampled with
 * replacement `samples` times). `closedAccuracy` is the accuracy on in-scope rows without abstaining.
 *
 * @example const s = summariseOos(rows, 0.42, { samples: 1000 }); s.oosRecall.lower
 */
export function summariseOos(rows: ScoredRows, threshold: number, { samples = 1000, alpha = 0.05, seed = 1 } = {}): OosSummary {
  const n = rows.scores.length;
  const measure = (idx: ArrayLike<number>) => {
    const sub: ScoredRows = {
      scores: Array.from(idx, (i) => rows.scores[i]!),
      inScope: Array.from(idx, (i) => rows.inScope[i]!),
      correct: Array.from(idx, (i) => rows.correct[i]!),
    };
    const at = oosMetricsAt(sub, threshold);
    let inScope = 0, right = 0;
    for (let i = 0; i < idx.length; i++) {
      if (sub.inScope[i]) inScope++;
      if (sub.correct[i]) right++;
    }
    return { auroc: aurocOf(sub), inScopeAccuracy: at.inScopeAccuracy, inScopeRecall: at.inScopeRecall, inScopePrecision: at.inScopePrecision, oosRecall: at.oosRecall, oosPrecision: at.oosPrecision, closedAccuracy: ratio(right, inScope) };
  };
  const point = measure(Int32Array.from({ length: n }, (_, i) => i));
  const keys = Object.keys(point) as Array<keyof typeof point>;
  const draws = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<keyof typeof point, number[]>;
  const rand = createRng(seed);
  const idx = new Int32Array(n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rand() * n);
    const m = measure(idx);
    for (const k of keys) if (Number.isFinite(m[k])) draws[k].push(m[k]);
  }
  const q = (sorted: number[], p: number) => {
    if (!sorted.length) return NaN;
    const pos = (sorted.length - 1) * p;
    const lo = Math.floor(pos);
    return sorted[lo]! + (sorted[Math.ceil(pos)]! - sorted[lo]!) * (pos - lo);
  };
  return Object.fromEntries(
    keys.map((k) => {
      const sorted = draws[k].sort((a, b) => a - b);
      return [k, { value: point[k], lower: q(sorted, alpha / 2), upper: q(sorted, 1 - alpha / 2) }];
    }),
  ) as OosSummary;
}
