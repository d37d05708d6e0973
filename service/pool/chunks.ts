/**
 * How an encode call is cut into chunks that each take about `targetMs` of one worker: every input gets an
 * estimated cost (about one unit per transformer token), each encoder's milliseconds per unit are learned from
 * the chunks it ran, and inputs are grouped by cost so texts of similar length share a chunk (less padding).
 * Pure functions; the pool applies them.
 */

/** Units for one input: ~4 characters a token, capped at 256 tokens (what the text models read), plus 2. */
export const MAX_INPUT_UNITS = 258;
/** Units for one image (MobileNet costs about as much as a 64-token text). */
export const IMAGE_UNITS = 64;

/**
 * The estimated cost of one input.
 *
 * @example inputCost('quiet dishwasher', 'text') // 6
 */
export function inputCost(input: unknown, modality: string = 'text'): number {
  if (modality === 'image') return IMAGE_UNITS;
  if (typeof input === 'string') return 2 + Math.min(MAX_INPUT_UNITS - 2, Math.ceil(input.length / 4));
  return 1;
}

/**
 * Groups input positions into chunks of at most `budget` units and `maxItems` inputs, cheapest first (an input
 * over the budget runs alone). Every position appears exactly once.
 *
 * @example planChunks([5, 100, 6, 90], { budget: 100, maxItems: 8 }) // [[0, 2], [3], [1]]
 */
export function planChunks(costs: readonly number[], { budget, maxItems }: { budget: number; maxItems: number }): number[][] {
  const order = costs.map((_, i) => i).sort((a, b) => costs[a]! - costs[b]! || a - b);
  const chunks: number[][] = [];
  let current: number[] = [];
  let units = 0;
  for (const i of order) {
    const c = costs[i]!;
    if (current.length > 0 && (current.length >= maxItems || units + c > budget)) {
      chunks.push(current);
      current = [];
      units = 0;
    }
    current.push(i);
    units += c;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

export interface RateEstimator {
  /** Milliseconds per unit for an encoder (the initial guess until it has run). */
  msPerUnit(encoder: string): number;
  /** Records a chunk's run time. */
  observe(encoder: string, units: number, ms: number): void;
}

/**
 * Learns each encoder's speed as an exponential moving average of observed ms per unit. The initial guess is
 * MiniLM's on a slow machine (~2,500 tokens/s per worker), so a fast encoder starts with small chunks and
 * grows them, never the other way round.
 *
 * @example const r = createRateEstimator(); r.observe('text/chargram', 1000, 5); r.msPerUnit('text/chargram') // 0.005
 */
export function createRateEstimator({ initialMsPerUnit = 0.4, alpha = 0.3, minUnits = 32 } = {}): RateEstimator {
  const rates = new Map<string, number>();
  return {
    msPerUnit: (encoder) => rates.get(encoder) ?? initialMsPerUnit,
    observe(encoder, units, ms) {
      // Tiny chunks (one query) are mostly thread hand-over time: they would make a fast encoder look slow.
      if (units < minUnits || !Number.isFinite(ms) || ms < 0) return;
      const observed = Math.max(ms, 0.01) / units;
      const old = rates.get(encoder);
      rates.set(encoder, old === undefined ? observed : old + alpha * (observed - old));
    },
  };
}
