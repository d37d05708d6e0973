/**
 * Fusion weights fitted on judged (or synthetic) queries: for every training query the BM25 and kNN lists are
 * fetched once, then every fusion of a grid (RRF and convex, BM25 weight 0 to 1 in steps of 0.1, so BM25 alone
 * and kNN alone are among them) is scored in memory by mean nDCG@10; then the per-query shifts (codes, score gap)
 * are tried and kept only when they add more than `minGain`. Pure functions over lists, unit-tested.
 */
import type { Qrels } from '../data/beir.ts';
import { evaluateRun } from '../eval/metrics.ts';
import type { RankedHit } from '../../service/retrieval/rrf.ts';
import { weightedFusion, type Fusion } from '../../service/retrieval/fusion.ts';

export interface QueryLists {
  query: string;
  bm25: RankedHit[];
  knn: RankedHit[];
}

/**
 * The fused run of a fusion over fetched lists.
 *
 * @example const run = fusedRun(lists, { method: 'convex', bm25Weight: 0.3, k: 60, codeShift: 0, gapShift: 0 });
 */
export function fusedRun(lists: ReadonlyMap<string, QueryLists>, fusion: Fusion, window = 100): Map<string, string[]> {
  return new Map([...lists].map(([id, l]) => [id, weightedFusion(l.query, l.bm25, l.knn, fusion).slice(0, window).map((c) => c.id)]));
}

export interface FusionFit {
  fusion: Fusion;
  ndcg10: number;
  recall100: number;
  grid: Array<{ fusion: Fusion; ndcg10: number }>;
}

/**
 * The best fusion on the given queries (ties: higher Recall@100, then plain RRF, then the earlier grid point).
 *
 * @example const { fusion } = fitFusion(lists, qrels);
 */
export function fitFusion(
  lists: ReadonlyMap<string, QueryLists>,
  qrels: Qrels,
  { k = 60, weights = Array.from({ length: 11 }, (_, i) => i / 10), codeShifts = [0.2, 0.4], gapShifts = [0.25, 0.5, 1], minGain = 0.002 } = {},
): FusionFit {
  const judged: Qrels = new Map([...lists.keys()].filter((id) => qrels.has(id)).map((id) => [id, qrels.get(id)!]));
  const score = (fusion: Fusion) => {
    const run = fusedRun(lists, fusion);
    return { ndcg10: evaluateRun(run, judged, { k: 10 }).mean.ndcg, recall100: evaluateRun(run, judged, { k: 100 }).mean.recall };
  };
  const grid: FusionFit['grid'] = [];
  let best: { fusion: Fusion; ndcg10: number; recall100: number } | undefined;
  const consider = (fusion: Fusion, margin: number) => {
    const s = score(fusion);
    grid.push({ fusion, ndcg10: s.ndcg10 });
    if (!best || s.ndcg10 > best.ndcg10 + margin || (margin === 0 && s.ndcg10 === best.ndcg10 && s.recall100 > best.recall100)) best = { fusion, ...s };
  };
  // Plain RRF first: on a tie it stays (the fallback is the prior), another point must be strictly better.
  consider({ method: 'rrf', bm25Weight: 0.5, k, codeShift: 0, gapShift: 0 }, 0);
  for (const method of ['rrf', 'convex'] as const) for (const w of weights) if (method !== 'rrf' || w !== 0.5) consider({ method, bm25Weight: w, k, codeShift: 0, gapShift: 0 }, 0);
  const base = best!.fusion;
  for (const codeShift of codeShifts) consider({ ...base, codeShift }, minGain);
  const withCode = best!.fusion;
  for (const gapShift of gapShifts) consider({ ...withCode, gapShift }, minGain);
  return { ...best!, grid };
}
