/**
 * One function per metadata signal, each mapping a document field to [0, 1] or to null when the document does not
 * say. Documents reach the reranker from Elasticsearch `_source` or from callers' JSON, so every field is checked
 * here rather than trusted: a malformed value counts as missing, which keeps scores finite.
 */
import type { Budget } from '../query/budget.ts';
import type { Boost } from '../query/schema.ts';
import { constraintMatches } from '../query/match-document.ts';

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * 2^(-age / halfLife): 1 for a release today, 0.5 one half-life ago. Future dates count as today (a pre-announced
 * product is new, not an error), as in the recency encoder.
 *
 * @example recencySignal('2025-01-01', Date.parse('2026-01-01'), 365) // 0.5
 */
export function recencySignal(releaseDate: unknown, nowMs: number, halfLifeDays: number): number | null {
  if (typeof releaseDate !== 'string' || !ISO_DATE.test(releaseDate.trim())) return null;
  const t = Date.parse(releaseDate.trim());
  if (Number.isNaN(t)) return null;
  const ageDays = Math.max(0, (nowMs - t) / DAY_MS);
  return 2 ** (-ageDays / halfLifeDays);
}

/**
 * log1p(reviews) / log1p(cap), clipped to 1: the log makes the 10th review matter more than the 10,000th.
 *
 * @example popularitySignal(99, 9999) // 0.5
 */
export function popularitySignal(reviewCount: unknown, cap: number): number | null {
  if (!isCount(reviewCount)) return null;
  return Math.min(1, Math.log1p(reviewCount) / Math.log1p(cap));
}

/**
 * Bayesian average of the rating, scaled to [0, 1]: a 5.0 from two reviews is pulled towards the prior mean,
 * a 4.6 from 2,000 reviews barely moves. A rating without a review count is treated as zero reviews, i.e. no
 * evidence beyond the prior.
 *
 * @example ratingSignal(5, 10, { mean: 3.5, weight: 10 }) // 0.85
 */
export function ratingSignal(rating: unknown, reviewCount: unknown, prior: { mean: number; weight: number }): number | null {
  if (typeof rating !== 'number' || !Number.isFinite(rating) || rating < 0 || rating > 5) return null;
  const n = isCount(reviewCount) ? reviewCount : 0;
  // With no prior weight and no reviews there is nothing to shrink towards; the rating stands as given.
  if (prior.weight + n === 0) return rating / 5;
  return (prior.weight * prior.mean + rating * n) / (prior.weight + n) / 5;
}

/**
 * `attributes.trust` (0..1) when present, else `attributes.verified`: true is 1, false is a known 0. Anything
 * else (absent, out of range, a string) is unknown.
 *
 * @example trustSignal({ verified: true }) // 1
 */
export function trustSignal(attributes: unknown): number | null {
  if (typeof attributes !== 'object' || attributes === null) return null;
  const { trust, verified } = attributes as Record<string, unknown>;
  if (typeof trust === 'number' && Number.isFinite(trust) && trust >= 0 && trust <= 1) return trust;
  if (verified === true) return 1;
  if (verified === false) return 0;
  return null;
}

/**
 * How well a price fits the budget: 1 inside [min, max], decaying exponentially outside it with a scale of 10% of
 * the bound (10% over budget is e^-1 = 0.37). Null without a budget. A missing price, or a price in a different
 * currency than the budget names, is unknown and scores a neutral 0.5 rather than being punished or rewarded.
 *
 * @example priceFitSignal(550, undefined, { max: 500 }) // Math.exp(-1)
 */
export function priceFitSignal(price: unknown, currency: unknown, budget: Budget | null | undefined): number | null {
  if (!budget || (budget.max === undefined && budget.min === undefined)) return null;
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) return 0.5;
  if (budget.currency && typeof currency === 'string' && currency.toUpperCase() !== budget.currency.toUpperCase()) {
    return 0.5;
  }
  const { max, min } = budget;
  // A zero bound has no 10% scale; anything past it is simply out of budget.
  if (max !== undefined && price > max) return max > 0 ? Math.exp(-(price - max) / (0.1 * max)) : 0;
  if (min !== undefined && price < min) return Math.exp(-(min - price) / (0.1 * min));
  return 1;
}

/**
 * Image similarity as a signal: the cosine between the query image and the document image, clipped to [0, 1]
 * (pooled CNN features are non-negative, so in practice the cosine already is). Null when there is no pair to
 * compare or the value is not a finite number.
 *
 * @example imageSignal(0.83) // 0.83
 */
export function imageSignal(similarity: unknown): number | null {
  if (typeof similarity !== 'number' || !Number.isFinite(similarity)) return null;
  return Math.min(1, Math.max(0, similarity));
}

/**
 * How well a document meets the query's soft preferences (from query understanding): the confidence-weighted
 * share of boosts it satisfies, a negated boost being satisfied when the document does not match it. Null
 * without boosts. Each boost's part is reported by `understoodParts`.
 *
 * @example understoodSignal({ brand: 'Bosch' }, [{ field: 'brand', value: 'Bosch', negated: false, weight: 0.5, span: 0 }], Date.now()) // 1
 */
export function understoodSignal(doc: unknown, boosts: readonly Boost[] | undefined, nowMs: number): number | null {
  if (!boosts || boosts.length === 0) return null;
  const parts = understoodParts(doc, boosts, nowMs);
  return parts.reduce((s, p) => s + p.share, 0);
}

/**
 * Each boost's share of the `understood` signal for a document (weight / total weight when met, else 0).
 *
 * @example understoodParts({ brand: 'Bosch' }, boosts, Date.now()) // [{ span: 0, matched: true, share: 1 }]
 */
export function understoodParts(doc: unknown, boosts: readonly Boost[], nowMs: number): Array<{ span: number; matched: boolean; share: number }> {
  const d = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  const total = boosts.reduce((s, b) => s + b.weight, 0) || 1;
  return boosts.map((b) => {
    const hit = constraintMatches(d, b, nowMs);
    const matched = b.negated ? !hit : hit;
    return { span: b.span, matched, share: matched ? b.weight / total : 0 };
  });
}
