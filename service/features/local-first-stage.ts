/**
 * A first stage computed from the request's candidates alone: local BM25 (see local-bm25.ts), the query's cosine
 * to each candidate under the kNN encoder, their ranks among the candidates, and the reciprocal-rank fusion of the
 * two. Inline documents get first-stage ranks this way, and documents by id get the very same values, so a head
 * trained on these (`loc:*`) features ranks the same documents the same way whichever way they were sent.
 */
import { bm25Scores, candidateStats, candidateTokens, queryStems, type FieldWords, type LexicalStats } from './local-bm25.ts';
import type { DocFields } from './fields.ts';

export interface LocalFirstStage {
  /** BM25 over the candidates (0: no query stem in the document). */
  bm25: Float64Array;
  /** 1-based rank by BM25 among candidates with a positive score (0: unranked). */
  bm25Rank: Int32Array;
  /** 1-based rank by cosine to the query. */
  cosineRank: Int32Array;
  /** 1-based rank by RRF of the two lists. */
  fusedRank: Int32Array;
  stats: LexicalStats;
}

/** The RRF constant of the local fusion (the same as the service's default). */
const RRF_K = 60;

function ranksOf(scores: ArrayLike<number>, eligible: (i: number) => boolean): Int32Array {
  const order = Array.from({ length: scores.length }, (_, i) => i)
    .filter(eligible)
    .sort((a, b) => scores[b]! - scores[a]! || a - b);
  const ranks = new Int32Array(scores.length);
  order.forEach((i, r) => (ranks[i] = r + 1));
  return ranks;
}

/**
 * Local BM25, cosine and fused ranks for a request's candidates.
 *
 * @example const local = localFirstStage('quiet fridge', fields, cosines); local.fusedRank[0] // 1 for the best
 */
export function localFirstStage(query: string, fields: ReadonlyArray<DocFields | FieldWords>, cosines: ArrayLike<number | null>, stats?: LexicalStats): LocalFirstStage {
  const stems = queryStems(query);
  const tokens = fields.map((f) => candidateTokens(f, stems));
  const used = stats ?? candidateStats(stems, tokens);
  const bm25 = bm25Scores(stems, tokens, used);
  const bm25Rank = ranksOf(bm25, (i) => bm25[i]! > 0);
  const cos = Float64Array.from({ length: fields.length }, (_, i) => cosines[i] ?? -Infinity);
  const cosineRank = ranksOf(cos, (i) => cosines[i] !== null);
  const fused = Float64Array.from({ length: fields.length }, (_, i) => (bm25Rank[i] ? 1 / (RRF_K + bm25Rank[i]!) : 0) + (cosineRank[i] ? 1 / (RRF_K + cosineRank[i]!) : 0));
  const fusedRank = ranksOf(fused, () => true);
  return { bm25, bm25Rank, cosineRank, fusedRank, stats: used };
}
