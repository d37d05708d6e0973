/**
 * Fusion of the BM25 and kNN lists weighted by how good each retriever is for the index (weights fitted by
 * `strata train fusion` on judgments or synthetic judgments, stored in the index's tuning), with an optional
 * per-query shift toward BM25 for queries with product codes or a clear BM25 winner. Two families:
 * - `rrf`: weighted reciprocal-rank fusion, 2w / (k + rank_bm25) + 2(1 - w) / (k + rank_knn); w = 0.5 is plain RRF.
 * - `convex`: w * minmax(BM25) + (1 - w) * minmax(kNN), scores min-max normalised over each list (absent: 0),
 *   the convex combination Bruch et al. (2023) found to beat RRF once w is fitted.
 * w = 1 is BM25 alone and w = 0 kNN alone, so a fitted fusion starts no worse than the better of the two.
 */
import { z } from 'zod';
import { codeTokens } from '../features/lexical.ts';
import type { FusedCandidate, RankedHit } from './rrf.ts';

export const FusionSchema = z
  .object({
    method: z.enum(['rrf', 'convex']),
    /** Weight of BM25 in [0, 1]; kNN gets the rest. */
    bm25Weight: z.number().min(0).max(1),
    /** The RRF constant (`rrf`). */
    k: z.number().int().positive().default(60),
    /** Added to the BM25 weight when the query holds a product-code-like token. */
    codeShift: z.number().min(-1).max(1).default(0),
    /** Times (BM25 top-score gap - kNN top-score gap), added to the BM25 weight: trust the list that is sure. */
    gapShift: z.number().min(-1).max(1).default(0),
  })
  .strict();

export type Fusion = z.infer<typeof FusionSchema>;

/** Plain reciprocal-rank fusion: the fallback when an index has no fitted fusion. */
export const PLAIN_RRF: Fusion = { method: 'rrf', bm25Weight: 0.5, k: 60, codeShift: 0, gapShift: 0 };

/** Relative gap between the best and second-best score of a list (0 when it has fewer than two hits). */
export function topGap(list: readonly RankedHit[]): number {
  if (list.length < 2 || !(list[0]!.score > 0)) return 0;
  return Math.max(0, (list[0]!.score - list[1]!.score) / list[0]!.score);
}

/**
 * The BM25 weight for one query: the fitted weight shifted by the query's signals, clamped to [0, 1].
 *
 * @example queryBm25Weight(fusion, 'RF28R7351 fridge', bm25, knn)
 */
export function queryBm25Weight(fusion: Fusion, query: string, bm25: readonly RankedHit[], knn: readonly RankedHit[]): number {
  let w = fusion.bm25Weight;
  if (fusion.codeShift && codeTokens(query).length) w += fusion.codeShift;
  if (fusion.gapShift) w += fusion.gapShift * (topGap(bm25) - topGap(knn));
  return Math.min(1, Math.max(0, w));
}

function minmax(list: readonly RankedHit[]): (score: number) => number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of list) [lo, hi] = [Math.min(lo, h.score), Math.max(hi, h.score)];
  return (s) => (hi > lo ? (s - lo) / (hi - lo) : 1);
}

/**
 * Fuses a BM25 list and a kNN list (best first) with a fitted fusion; each candidate keeps its per-list score and
 * rank, `fusedScore` is the fused value and `fusedRank` the position after sorting.
 *
 * @example weightedFusion('quiet fridge', bm25Hits, knnHits, { method: 'convex', bm25Weight: 0.3, k: 60, codeShift: 0, gapShift: 0 })
 */
export function weightedFusion(query: string, bm25: readonly RankedHit[], knn: readonly RankedHit[], fusion: Fusion): FusedCandidate[] {
  const w = queryBm25Weight(fusion, query, bm25, knn);
  const byId = new Map<string, FusedCandidate>();
  const normB = minmax(bm25);
  const normK = minmax(knn);
  const visit = (list: readonly RankedHit[], key: 'bm25' | 'knn', weight: number, norm: (s: number) => number) => {
    list.forEach((hit, i) => {
      let c = byId.get(hit.id);
      if (!c) {
        c = { id: hit.id, source: hit.source ?? {}, bm25: null, knn: null, fusedScore: 0, fusedRank: 0 };
        byId.set(hit.id, c);
      }
      if (c[key]) return;
      c[key] = { score: hit.score, rank: i + 1 };
      c.fusedScore += fusion.method === 'rrf' ? (2 * weight) / (fusion.k + i + 1) : weight * norm(hit.score);
    });
  };
  visit(bm25, 'bm25', w, normB);
  visit(knn, 'knn', 1 - w, normK);
  const fused = [...byId.values()].sort(
    (a, b) =>
      b.fusedScore - a.fusedScore ||
      (w >= 0.5 ? (a.bm25?.rank ?? Infinity) - (b.bm25?.rank ?? Infinity) : (a.knn?.rank ?? Infinity) - (b.knn?.rank ?? Infinity)) ||
      a.id.localeCompare(b.id),
  );
  fused.forEach((c, i) => (c.fusedRank = i + 1));
  return fused;
}
