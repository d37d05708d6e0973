/**
 * The default teacher for synthetic judgments: the stack's own ensemble. Per candidate window, dense similarity
 * (max over passages, per text encoder, min-max normalised within the window) and BM25 (normalised by the
 * window's best) are averaged. The source document of a pseudo-query is the positive; candidates the teacher
 * ranks at or above the source are ambiguous (possibly also relevant) and left out of training; the next ones
 * down are mined as hard negatives.
 */

export interface TeacherLabels {
  /** Candidate index of the source document, or -1 when first stage missed it. */
  source: number;
  ambiguous: number[];
  hardNegatives: number[];
  scores: Float32Array;
}

/**
 * Ensemble teacher scores for one window of assembled feature rows.
 *
 * @example const s = ensembleScores(rows, n, names, ['text/minilm']);
 */
export function ensembleScores(rows: Float32Array, n: number, names: readonly string[], encoders: readonly string[]): Float32Array {
  const d = names.length;
  const cols = encoders.map((e) => names.indexOf(`${e}:passage_max`)).filter((j) => j >= 0);
  const bm25 = names.indexOf('fs:bm25_norm');
  const out = new Float32Array(n);
  const parts: Float32Array[] = cols.map((j) => {
    const v = Float32Array.from({ length: n }, (_, r) => rows[r * d + j]!);
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of v) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
    return v.map((x) => (hi > lo ? (x - lo) / (hi - lo) : 0));
  });
  if (bm25 >= 0) parts.push(Float32Array.from({ length: n }, (_, r) => rows[r * d + bm25]!));
  for (let r = 0; r < n; r++) out[r] = parts.length ? parts.reduce((s, p) => s + p[r]!, 0) / parts.length : 0;
  return out;
}

/**
 * Labels a window given teacher scores and the source document's id.
 *
 * @example labelWindow(ids, scores, 'doc-7', { negatives: 10 })
 */
export function labelWindow(ids: readonly string[], scores: Float32Array, sourceId: string, { negatives = 10, margin = 0 } = {}): TeacherLabels {
  const source = ids.indexOf(sourceId);
  const order = ids.map((_, i) => i).filter((i) => i !== source).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const bar = source >= 0 ? scores[source]! - margin : Infinity;
  const ambiguous = order.filter((i) => scores[i]! >= bar);
  const hardNegatives = order.filter((i) => scores[i]! < bar).slice(0, negatives);
  return { source, ambiguous, hardNegatives, scores };
}
