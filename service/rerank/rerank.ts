/**
 * The metadata-aware reranker: the heads' relevance combined with recency, popularity, rating, trust, price fit,
 * (with a query image) image similarity and (with soft preferences read from the query) how well a document
 * meets them, as a weighted sum. A weighted sum (rather than a learned combination) keeps every result explainable: each
 * signal's contribution is a number the caller can read, and the contributions add up to the score exactly.
 */
import { z } from 'zod';
import type { CatalogDocument } from '../catalog/schema.ts';
import { strataError } from '../errors.ts';
import type { Budget } from '../query/budget.ts';
import { imageSignal, popularitySignal, priceFitSignal, ratingSignal, recencySignal, trustSignal, understoodSignal } from './signals.ts';
import type { Boost } from '../query/schema.ts';
import { resolveWeights, SIGNALS, type Signal, type Weights } from './weights.ts';

export { DEFAULT_WEIGHTS, SIGNALS, WeightsSchema, type Signal, type Weights } from './weights.ts';

/** The numeric reranking options a request may set; shared with the HTTP layer. */
export const RerankTuningSchema = z.strictObject({
  halfLifeDays: z.number().positive().optional(),
  ratingPrior: z.strictObject({ mean: z.number().min(0).max(5), weight: z.number().min(0) }).optional(),
  popularityCap: z.number().positive().optional(),
});

export interface RerankCandidate {
  id: string;
  /** The heads' output, a probability in [0, 1]. */
  relevance: number;
  doc: Partial<CatalogDocument>;
  /**
   * Cosine between the request's query image and the document's image vector; absent or null when either side
   * has no image (the image signal is then null and contributes 0).
   */
  imageSimilarity?: number | null;
}

export interface RerankOptions extends z.infer<typeof RerankTuningSchema> {
  weights?: Partial<Weights>;
  /** The reference time for recency; injectable so tests and replays are reproducible. */
  now?: Date;
  /** From `parseBudget`; without one the price signal is off. */
  budget?: Budget | null;
  /** Soft preferences from query understanding; without them the `understood` signal is off. */
  boosts?: readonly Boost[];
}

export interface RerankedItem {
  id: string;
  /** Position of the item in the input, so callers can map back (Cohere-style `index`). */
  index: number;
  score: number;
  /** weight × signal per signal; 0 where the signal is null. Their sum in `SIGNALS` order is `score`, exactly. */
  contributions: Record<Signal, number>;
  /** Each signal in [0, 1], or null when the document does not carry the metadata. */
  signals: Record<Signal, number | null>;
}

function checkTuning(options: RerankOptions): void {
  const { halfLifeDays, ratingPrior, popularityCap } = options;
  const parsed = RerankTuningSchema.safeParse({ halfLifeDays, ratingPrior, popularityCap });
  if (!parsed.success) {
    const summary = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw strataError('validation', { summary });
  }
}

/**
 * Scores and sorts candidates by Σ weight × signal, highest first; ties go to the more relevant item, then to the
 * smaller id, so the order is deterministic. Missing metadata is neutral: its signal is null and contributes 0.
 * Invalid weights, tuning options or relevance values raise a `validation` error.
 *
 * @example
 *   const ranked = rerankCandidates(
 *     [{ id: 'a', relevance: 0.8, doc: { price: 900 } }, { id: 'b', relevance: 0.78, doc: { price: 450 } }],
 *     { budget: parseBudget('fridge under $500') },
 *   );
 *   ranked[0].id; // 'b': 0.78 + 0.2 × 1 beats 0.8 + 0.2 × e^-8
 *   ranked[0].contributions; // { relevance: 0.78, recency: 0, popularity: 0, rating: 0, trust: 0, price: 0.2, image: 0, understood: 0 }
 */
export function rerankCandidates(items: readonly RerankCandidate[], options: RerankOptions = {}): RerankedItem[] {
  const weights = resolveWeights(options.weights);
  checkTuning(options);
  const { budget = null, halfLifeDays = 365, ratingPrior = { mean: 3.5, weight: 10 }, popularityCap = 10_000 } = options;
  const nowMs = (options.now ?? new Date()).getTime();
  if (Number.isNaN(nowMs)) throw strataError('validation', { summary: 'now: invalid Date' });

  const ranked = items.map((item, index): RerankedItem => {
    const { relevance } = item;
    if (typeof relevance !== 'number' || !(relevance >= 0 && relevance <= 1)) {
      throw strataError('validation', { summary: `items[${index}].relevance must be a number in [0, 1], got ${relevance}` });
    }
    const doc = item.doc ?? {};
    const signals: Record<Signal, number | null> = {
      relevance,
      recency: recencySignal(doc.release_date, nowMs, halfLifeDays),
      popularity: popularitySignal(doc.review_count, popularityCap),
      rating: ratingSignal(doc.rating, doc.review_count, ratingPrior),
      trust: trustSignal(doc.attributes),
      price: priceFitSignal(doc.price, doc.currency, budget),
      image: imageSignal(item.imageSimilarity),
      understood: understoodSignal(doc, options.boosts, nowMs),
    };
    const contributions = {} as Record<Signal, number>;
    // The score is the sum of exactly the numbers shown, in a fixed order: recomputing it from the explanation
    // gives the same float, not merely a close one.
    let score = 0;
    for (const s of SIGNALS) {
      contributions[s] = weights[s] * (signals[s] ?? 0);
      score += contributions[s];
    }
    return { id: item.id, index, score, contributions, signals };
  });

  return ranked.sort(
    (a, b) =>
      b.score - a.score ||
      (b.signals.relevance ?? 0) - (a.signals.relevance ?? 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
