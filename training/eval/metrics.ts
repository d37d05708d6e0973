/**
 * Ranking metrics at a cut-off k: nDCG, MRR and recall, per query and averaged over a run.
 *
 * Conventions follow trec_eval / pytrec_eval (what BEIR reports), so our numbers line up with published tables:
 * - nDCG gain is the grade itself (linear, `ndcg_cut`), discount log2(rank + 1) with 1-based ranks, and the ideal
 *   DCG comes from the judged grades of the query (not from what the run happened to retrieve).
 * - A document is relevant when its grade is > 0; negative grades count as 0 gain.
 * - A document repeated in a ranking counts once, at its first rank (later copies are dropped, so they do not
 *   push other documents out of the top k either).
 */

/** Relevance judgments of one query: docId -> grade. */
export type QueryQrels = ReadonlyMap<string, number>;

/** Metric values of one query. */
export interface QueryMetrics {
  ndcg: number;
  mrr: number;
  recall: number;
}

/** Result of {@link evaluateRun}. */
export interface RunEvaluation {
  k: number;
  /** Values for every evaluated query (judged with at least one positive grade). */
  perQuery: Map<string, QueryMetrics>;
  /** Means over `perQuery` (NaN when no query was evaluated). */
  mean: QueryMetrics;
  /** Number of evaluated queries (the denominator of the means). */
  evaluated: number;
  /** Judged queries left out because none of their grades is > 0 (no metric is defined for them). */
  excludedNoPositives: number;
  /** Evaluated queries absent from the run; they score 0 unless `missing: 'skip'`. */
  missingFromRun: number;
  /** Queries in the run without any judgments (ignored). */
  unjudged: number;
}

/** The first `k` distinct document ids of a ranking. */
function topK(ranked: readonly string[], k: number): string[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ranked) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    if (out.length === k) break;
  }
  return out;
}

function gainOf(qrels: QueryQrels, docId: string): number {
  return Math.max(0, qrels.get(docId) ?? 0);
}

function positiveCount(qrels: QueryQrels): number {
  let n = 0;
  for (const grade of qrels.values()) if (grade > 0) n++;
  return n;
}

/**
 * nDCG@k with linear gain (gain = grade) and log2(rank + 1) discount. Returns 0 when the query has no positive
 * judgment (the ideal DCG is 0); {@link evaluateRun} leaves such queries out instead.
 *
 * @example
 *   ndcgAtK(['d1', 'd2'], new Map([['d2', 1]]), 10); // (1 / log2(3)) / 1 = 0.6309
 */
export function ndcgAtK(ranked: readonly string[], qrels: QueryQrels, k: number): number {
  const top = topK(ranked, k);
  let dcg = 0;
  top.forEach((id, i) => {
    dcg += gainOf(qrels, id) / Math.log2(i + 2);
  });
  const ideal = [...qrels.values()]
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  let idcg = 0;
  ideal.forEach((g, i) => {
    idcg += g / Math.log2(i + 2);
  });
  return idcg === 0 ? 0 : dcg / idcg;
}

/**
 * Reciprocal rank of the first relevant (grade > 0) document within the top k, 0 when none is.
 *
 * @example
 *   mrrAtK(['d1', 'd2', 'd3'], new Map([['d3', 2]]), 10); // 1/3
 */
export function mrrAtK(ranked: readonly string[], qrels: QueryQrels, k: number): number {
  const top = topK(ranked, k);
  const i = top.findIndex((id) => gainOf(qrels, id) > 0);
  return i < 0 ? 0 : 1 / (i + 1);
}

/**
 * Share of the query's relevant (grade > 0) documents found in the top k; 0 when the query has none.
 *
 * @example
 *   recallAtK(['d1', 'd2'], new Map([['d1', 1], ['d9', 1]]), 10); // 0.5
 */
export function recallAtK(ranked: readonly string[], qrels: QueryQrels, k: number): number {
  const relevant = positiveCount(qrels);
  if (relevant === 0) return 0;
  const found = topK(ranked, k).filter((id) => gainOf(qrels, id) > 0).length;
  return found / relevant;
}

/**
 * Evaluates a run (queryId -> ranked docIds) against judgments (queryId -> docId -> grade).
 * Queries without a positive judgment are excluded and counted; judged queries missing from the run score 0
 * (trec_eval `-c`), so a system cannot look better by not answering; pass `missing: 'skip'` for BEIR's
 * behaviour of averaging only over the queries the run contains.
 *
 * @example
 *   const { mean, evaluated } = evaluateRun(run, qrels, { k: 10 });
 *   console.log(`nDCG@10 ${mean.ndcg.toFixed(3)} over ${evaluated} queries`);
 */
export function evaluateRun(
  run: ReadonlyMap<string, readonly string[]>,
  qrels: ReadonlyMap<string, QueryQrels>,
  { k = 10, missing = 'zero' }: { k?: number; missing?: 'zero' | 'skip' } = {},
): RunEvaluation {
  const perQuery = new Map<string, QueryMetrics>();
  let excludedNoPositives = 0;
  let missingFromRun = 0;
  for (const [queryId, judged] of qrels) {
    if (positiveCount(judged) === 0) {
      excludedNoPositives++;
      continue;
    }
    const ranked = run.get(queryId);
    if (ranked === undefined) {
      missingFromRun++;
      if (missing === 'skip') continue;
    }
    const list = ranked ?? [];
    perQuery.set(queryId, {
      ndcg: ndcgAtK(list, judged, k),
      mrr: mrrAtK(list, judged, k),
      recall: recallAtK(list, judged, k),
    });
  }
  let unjudged = 0;
  for (const queryId of run.keys()) if (!qrels.has(queryId)) unjudged++;

  const evaluated = perQuery.size;
  const sum = { ndcg: 0, mrr: 0, recall: 0 };
  for (const m of perQuery.values()) {
    sum.ndcg += m.ndcg;
    sum.mrr += m.mrr;
    sum.recall += m.recall;
  }
  const mean = {
    ndcg: evaluated ? sum.ndcg / evaluated : NaN,
    mrr: evaluated ? sum.mrr / evaluated : NaN,
    recall: evaluated ? sum.recall / evaluated : NaN,
  };
  return { k, perQuery, mean, evaluated, excludedNoPositives, missingFromRun, unjudged };
}
