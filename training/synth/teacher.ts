/**
 * Teachers for synthetic judgments score each first-stage window (`WindowTeacher`); `labelWindow` turns the scores
 * into labels. The default teacher is the stack's own ensemble. Per candidate window, dense similarity
 * (max over passages, per text encoder, min-max normalised within the window) and BM25 (normalised by the
 * window's best) are averaged. The source document of a pseudo-query is the positive; candidates the teacher
 * ranks at or above the source are ambiguous (possibly also relevant) and left out of training; the next ones
 * down are mined as hard negatives. `crossEncoderTeacher` scores the same windows with a cross-encoder's
 * (query, document) relevance instead (`strata synth --teacher <converted cross-encoder folder>`).
 */

/** One first-stage window: the query, its candidates, and their assembled feature rows (`[ids.length, names.length]`). */
export interface TeacherWindow {
  query: string;
  ids: readonly string[];
  rows: Float32Array;
  names: readonly string[];
}

/** Scores every candidate of a window (higher: more relevant), in candidate order. */
export interface WindowTeacher {
  readonly name: string;
  score(window: TeacherWindow): Promise<Float32Array>;
}

/** What a cross-encoder teacher needs of a scorer (`loadCrossEncoder` of service/models/cross-encoder.ts). */
export interface PairScorer {
  score(query: string, docs: readonly string[]): Promise<Float32Array>;
}

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

/**
 * The ensemble teacher over a window's features.
 *
 * @example const teacher = ensembleTeacher(['text/minilm']);
 */
export function ensembleTeacher(encoders: readonly string[]): WindowTeacher {
  return { name: 'ensemble', score: async (w) => ensembleScores(w.rows, w.ids.length, w.names, encoders) };
}

/**
 * A cross-encoder teacher: each candidate's text (from `textOf`) scored against the query. Candidates without a
 * text (not in the documents given) score -Infinity: never ambiguous, last among the hard negatives.
 *
 * @example const teacher = crossEncoderTeacher(await loadCrossEncoder(dir), (id) => texts.get(id));
 */
export function crossEncoderTeacher(scorer: PairScorer, textOf: (id: string) => string | undefined, name = 'cross-encoder'): WindowTeacher {
  return {
    name,
    async score(w) {
      const known = w.ids.flatMap((id, i) => {
        const text = textOf(id);
        return text === undefined ? [] : [{ i, text }];
      });
      const scored = await scorer.score(w.query, known.map((k) => k.text));
      const out = new Float32Array(w.ids.length).fill(-Infinity);
      known.forEach((k, j) => (out[k.i] = scored[j]!));
      return out;
    },
  };
}
