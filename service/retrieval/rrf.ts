/**
 * Reciprocal-rank fusion in TypeScript (the test distribution has no RRF retriever): each list contributes
 * 1 / (k + rank) for every document it holds; documents keep their per-list score and rank.
 */

export interface RankedHit {
  id: string;
  score: number;
  source?: Record<string, unknown>;
}

export interface FusedCandidate {
  id: string;
  source: Record<string, unknown>;
  bm25: { score: number; rank: number } | null;
  knn: { score: number; rank: number } | null;
  /** The query image's kNN list; present only when the search had a query image. */
  image?: { score: number; rank: number } | null;
  fusedScore: number;
  fusedRank: number;
}

/**
 * Fuses a BM25 list and a kNN list (each in rank order, best first), and the query image's kNN list when given.
 *
 * @example reciprocalRankFusion([{id:'a',score:3}], [{id:'a',score:.9},{id:'b',score:.8}], { k: 60 })[0].id // 'a'
 */
export function reciprocalRankFusion(
  bm25: RankedHit[],
  knn: RankedHit[],
  { k = 60, image }: { k?: number; image?: RankedHit[] } = {},
): FusedCandidate[] {
  const byId = new Map<string, FusedCandidate>();
  const visit = (list: RankedHit[], key: 'bm25' | 'knn' | 'image') => {
    list.forEach((hit, i) => {
      let c = byId.get(hit.id);
      if (!c) {
        c = { id: hit.id, source: hit.source ?? {}, bm25: null, knn: null, ...(image ? { image: null } : {}), fusedScore: 0, fusedRank: 0 };
        byId.set(hit.id, c);
      }
      if (c[key]) return; // a duplicate within one list counts once, at its best rank
      c[key] = { score: hit.score, rank: i + 1 };
      c.fusedScore += 1 / (k + i + 1);
    });
  };
  visit(bm25, 'bm25');
  visit(knn, 'knn');
  if (image) visit(image, 'image');
  const fused = [...byId.values()].sort(
    (a, b) => b.fusedScore - a.fusedScore || (a.bm25?.rank ?? Infinity) - (b.bm25?.rank ?? Infinity) || a.id.localeCompare(b.id),
  );
  fused.forEach((c, i) => (c.fusedRank = i + 1));
  return fused;
}
