/**
 * The reranker's signals and their weights. The weights are part of the public contract: every request may
 * override them, and every result shows what each one contributed, so they live in one schema shared by the
 * reranker and the HTTP layer.
 */
import { z } from 'zod';
import { strataError } from '../errors.ts';

/** Signal names, in the fixed order in which contributions are summed (the order makes the sum reproducible). */
export const SIGNALS = ['relevance', 'recency', 'popularity', 'rating', 'trust', 'price', 'image', 'understood'] as const;
export type Signal = (typeof SIGNALS)[number];

// zod 4 numbers already reject NaN and ±Infinity; negative weights would turn a good signal into a penalty,
// which is a different model, not a tuning knob.
const weight = z.number().min(0);

/** Per-request weight overrides: any subset of the signals, unknown keys rejected (a typo must not be ignored). */
export const WeightsSchema = z.strictObject({
  relevance: weight.optional(),
  recency: weight.optional(),
  popularity: weight.optional(),
  rating: weight.optional(),
  trust: weight.optional(),
  price: weight.optional(),
  image: weight.optional(),
  understood: weight.optional(),
});

export type Weights = Required<z.infer<typeof WeightsSchema>>;

/**
 * Relevance dominates; metadata nudges near-ties. The price weight is larger because it only applies when the
 * query states a budget, and then it is what the user asked for; likewise the image weight, which only applies
 * when the request carries a query image.
 */
export const DEFAULT_WEIGHTS: Readonly<Weights> = Object.freeze({
  relevance: 1,
  recency: 0.05,
  popularity: 0.05,
  rating: 0.05,
  trust: 0.02,
  price: 0.2,
  image: 0.5,
  understood: 0.2,
});

/**
 * Merges overrides into the defaults after validating them; invalid overrides raise a `validation` error.
 *
 * @example resolveWeights({ price: 0 }) // { relevance: 1, recency: 0.05, popularity: 0.05, rating: 0.05, trust: 0.02, price: 0, image: 0.5, understood: 0.2 }
 */
export function resolveWeights(overrides: Partial<Weights> = {}): Weights {
  const parsed = WeightsSchema.safeParse(overrides);
  if (!parsed.success) {
    const summary = parsed.error.issues.map((i) => `weights${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`);
    throw strataError('validation', { summary: summary.join('; ') }, { issues: summary });
  }
  const weights = { ...DEFAULT_WEIGHTS };
  for (const s of SIGNALS) {
    const w = parsed.data[s];
    if (w !== undefined) weights[s] = w;
  }
  return weights;
}
