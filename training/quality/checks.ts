/**
 * Data-quality checks as pure functions over plain records: exact duplicates (normalised text), near duplicates
 * (cosine of unit vectors above a threshold), empty or very short fields, encoding problems (U+FFFD,
 * UTF-8-read-as-Latin-1 mojibake), numeric outliers (Tukey's IQR fences) and judgment statistics.
 */
import type { Qrels } from '../data/beir.ts';

export interface QualityDoc {
  id: string;
  fields: Record<string, string | undefined>;
  numbers?: Record<string, number | undefined>;
}

const normalise = (s: string) => s.toLowerCase().normalize('NFKC').replace(/\s+/g, ' ').trim();

/**
 * Groups of ids whose normalised text (all fields joined) is identical.
 *
 * @example exactDuplicates(docs) // [['a', 'b']]
 */
export function exactDuplicates(docs: readonly QualityDoc[]): string[][] {
  const by = new Map<string, string[]>();
  for (const d of docs) {
    const key = normalise(Object.values(d.fields).filter(Boolean).join(' | '));
    if (!key) continue;
    by.set(key, [...(by.get(key) ?? []), d.id]);
  }
  return [...by.values()].filter((g) => g.length > 1);
}

/**
 * Pairs (i < j) whose unit vectors have cosine >= threshold; `skip` leaves out pairs already known (exact).
 *
 * @example nearDuplicates(vectors, n, dim, { threshold: 0.95 })
 */
export function nearDuplicates(vectors: Float32Array, n: number, dim: number, { threshold = 0.95, max = 10_000 } = {}): Array<{ i: number; j: number; cosine: number }> {
  const out: Array<{ i: number; j: number; cosine: number }> = [];
  for (let i = 0; i < n; i++) {
    const a = i * dim;
    for (let j = i + 1; j < n; j++) {
      const b = j * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) s += vectors[a + k]! * vectors[b + k]!;
      if (s >= threshold) {
        out.push({ i, j, cosine: s });
        if (out.length >= max) return out;
      }
    }
  }
  return out;
}

// UTF-8 bytes of accented letters and punctuation read as Latin-1/Windows-1252: "Ã©" for "é", "â€™" for "’".
const MOJIBAKE = /Ã[\u0080-\u00BF]|Â[\u00A0-\u00BF]|â€[\u0080-\u00BF\u2018-\u203A™œ]/u;

/**
 * Problems of one text field: empty, too short, replacement characters, mojibake, control characters.
 *
 * @example textProblems('CafÃ© au lait', { minChars: 3 }) // ['mojibake']
 */
export function textProblems(value: string | undefined, { minChars = 3 } = {}): string[] {
  if (value === undefined || value.trim() === '') return ['empty'];
  const problems: string[] = [];
  if (value.trim().length < minChars) problems.push('very short');
  if (value.includes('\ufffd')) problems.push('replacement character');
  if (MOJIBAKE.test(value)) problems.push('mojibake');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(value)) problems.push('control character');
  return problems;
}

/**
 * Values outside Tukey's fences [Q1 - k IQR, Q3 + k IQR] (quartiles by linear interpolation).
 *
 * @example iqrOutliers([1, 2, 3, 4, 100]).outliers // [{ index: 4, value: 100 }]
 */
export function iqrOutliers(values: ReadonlyArray<number | undefined>, k = 1.5) {
  const present = values.map((v, index) => ({ v, index })).filter((x): x is { v: number; index: number } => x.v !== undefined && Number.isFinite(x.v));
  const sorted = present.map((x) => x.v).sort((a, b) => a - b);
  const q = (p: number) => {
    if (!sorted.length) return NaN;
    const pos = (sorted.length - 1) * p;
    const lo = Math.floor(pos);
    return sorted[lo]! + (sorted[Math.ceil(pos)]! - sorted[lo]!) * (pos - lo);
  };
  const [q1, q3] = [q(0.25), q(0.75)];
  const [low, high] = [q1 - k * (q3 - q1), q3 + k * (q3 - q1)];
  return { count: sorted.length, missing: values.length - sorted.length, q1, q3, low, high, outliers: present.filter((x) => x.v < low || x.v > high).map((x) => ({ index: x.index, value: x.v })) };
}

/**
 * Judgment statistics: grade histogram, queries without a positive, positives per query, and how many judged
 * documents exist in the corpus.
 *
 * @example judgmentStats(qrels, new Set(corpusIds))
 */
export function judgmentStats(qrels: Qrels, corpusIds: ReadonlySet<string>) {
  const grades: Record<string, number> = {};
  const withoutPositive: string[] = [];
  const missingDocs = new Set<string>();
  const judgedDocs = new Set<string>();
  let pairs = 0;
  const positivesPerQuery: number[] = [];
  for (const [q, judged] of qrels) {
    let pos = 0;
    for (const [doc, g] of judged) {
      pairs++;
      grades[String(g)] = (grades[String(g)] ?? 0) + 1;
      judgedDocs.add(doc);
      if (!corpusIds.has(doc)) missingDocs.add(doc);
      if (g > 0) pos++;
    }
    positivesPerQuery.push(pos);
    if (pos === 0) withoutPositive.push(q);
  }
  const positives = Object.entries(grades).filter(([g]) => Number(g) > 0).reduce((s, [, c]) => s + c, 0);
  return {
    queries: qrels.size,
    pairs,
    grades,
    positiveShare: pairs ? positives / pairs : 0,
    meanPositivesPerQuery: positivesPerQuery.length ? positivesPerQuery.reduce((a, b) => a + b, 0) / positivesPerQuery.length : 0,
    queriesWithoutPositive: withoutPositive.length,
    queriesWithoutPositiveExamples: withoutPositive.slice(0, 10),
    judgedDocs: judgedDocs.size,
    judgedDocsMissingFromCorpus: missingDocs.size,
    judgedDocsMissingExamples: [...missingDocs].slice(0, 10),
    corpusCoverage: corpusIds.size ? (judgedDocs.size - missingDocs.size) / corpusIds.size : 0,
  };
}
