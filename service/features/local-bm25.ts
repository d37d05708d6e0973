/**
 * BM25 computed in TypeScript over a request's own candidates, for documents that never went through
 * Elasticsearch (inline `/v1/rerank` documents) and, identically, for documents that did: the same tokens
 * (Porter stems, as the index's `stemmed_title` / `stemmed_body` fields hold), the same two fields (title; brand,
 * category, description and reviews as the body), and term statistics either from the index (document
 * frequencies of the query's stems, fetched by the caller) or from the candidates themselves.
 */
import { stemmer } from 'stemmer';
import type { DocFields } from './fields.ts';
import { splitWords } from './lexical.ts';

export interface FieldStats {
  /** Documents the statistics cover (N in the IDF). */
  docCount: number;
  /** Mean field length in tokens. */
  avgLength: number;
  /** Document frequency of each query stem. */
  df: Record<string, number>;
}

export interface LexicalStats {
  /** Where the statistics come from: the named index, or the request's candidates. */
  source: 'index' | 'candidates';
  title: FieldStats;
  body: FieldStats;
}

export interface FieldTokens {
  length: number;
  /** Term frequency of each query stem in the field. */
  tf: Record<string, number>;
}

const MEMO_MAX = 200_000;
const memo = new Map<string, string>();

/** Porter stem of one lower-cased word; words with digits (codes, sizes) stay as they are, like stemmedText. */
function stemOf(word: string): string {
  let s = memo.get(word);
  if (s === undefined) {
    s = /\d/.test(word) ? word : stemmer(word);
    // A bounded memo: the stems are a pure function of the word, so forgetting them only costs time.
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(word, s);
  }
  return s;
}

/**
 * The distinct stems of a query, in order.
 *
 * @example queryStems('Energy-efficient fridges') // ['energi', 'effici', 'fridg']
 */
export function queryStems(query: string): string[] {
  return [...new Set(splitWords(query).map(stemOf))];
}

/**
 * Field length and the frequency of each query stem in one field. Only words that can stem to a query stem (same
 * first two letters, or short words) are stemmed, so long bodies cost little more than splitting them.
 *
 * @example fieldTokens('Two fridges and a fridge', ['fridg']) // { length: 5, tf: { fridg: 2 } }
 */
export function fieldTokens(text: string | readonly string[], stems: readonly string[]): FieldTokens {
  const words = typeof text === 'string' ? splitWords(text) : text;
  const byPrefix = new Map<string, string[]>();
  for (const s of stems) {
    const key = s.slice(0, 2);
    byPrefix.set(key, [...(byPrefix.get(key) ?? []), s]);
  }
  const tf: Record<string, number> = {};
  for (const w of words) {
    const maybe = byPrefix.get(w.slice(0, 2));
    if (!maybe && w.length > 3) continue;
    const s = stemOf(w);
    if (maybe?.includes(s) || (!maybe && stems.includes(s))) tf[s] = (tf[s] ?? 0) + 1;
  }
  return { length: words.length, tf };
}

/** What BM25 reads of a candidate: its two fields tokenised against the query stems. */
export interface CandidateTokens {
  title: FieldTokens;
  body: FieldTokens;
}

/** A candidate's fields split into words once, shared by the lexical features and local BM25. */
export interface FieldWords {
  title: string[];
  body: string[];
  brand: string[];
  category: string[];
  attributes: string[];
}

/**
 * Splits a candidate's fields into words.
 *
 * @example fieldWords(docFields(doc)).title // ['quiet', 'fridge']
 */
export function fieldWords(f: DocFields): FieldWords {
  return { title: splitWords(f.title), body: splitWords(f.body), brand: splitWords(f.brand), category: splitWords(f.category), attributes: splitWords(f.attributes) };
}

/**
 * Tokenises a candidate's fields for BM25 (the body as the index's `stemmed_body`: brand, category, body text).
 *
 * @example candidateTokens(docFields(doc), queryStems('quiet fridge'))
 */
export function candidateTokens(fields: DocFields | FieldWords, stems: readonly string[]): CandidateTokens {
  const w = Array.isArray(fields.title) ? (fields as FieldWords) : fieldWords(fields as DocFields);
  return { title: fieldTokens(w.title, stems), body: fieldTokens([...w.brand, ...w.category, ...w.body], stems) };
}

/**
 * Term statistics from the candidates themselves (when no index is named).
 *
 * @example const stats = candidateStats(stems, tokens);
 */
export function candidateStats(stems: readonly string[], tokens: readonly CandidateTokens[]): LexicalStats {
  const field = (pick: (t: CandidateTokens) => FieldTokens): FieldStats => {
    const df: Record<string, number> = {};
    let total = 0;
    for (const t of tokens) {
      const f = pick(t);
      total += f.length;
      for (const s of stems) if (f.tf[s]) df[s] = (df[s] ?? 0) + 1;
    }
    return { docCount: tokens.length, avgLength: tokens.length ? total / tokens.length : 0, df };
  };
  return { source: 'candidates', title: field((t) => t.title), body: field((t) => t.body) };
}

/** Lucene's BM25 IDF: ln(1 + (N - df + 0.5) / (df + 0.5)). */
export function idf(docCount: number, df: number): number {
  const n = Math.max(docCount, df);
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/**
 * BM25 of every candidate: the sum over the two fields (equal weight) of the classic per-field BM25
 * (k1 = 1.2, b = 0.75).
 *
 * @example const scores = bm25Scores(stems, tokens, stats);
 */
export function bm25Scores(stems: readonly string[], tokens: readonly CandidateTokens[], stats: LexicalStats, { k1 = 1.2, b = 0.75 } = {}): Float64Array {
  const out = new Float64Array(tokens.length);
  const fieldScore = (f: FieldTokens, s: FieldStats) => {
    let score = 0;
    const norm = s.avgLength > 0 ? 1 - b + (b * f.length) / s.avgLength : 1;
    for (const t of stems) {
      const tf = f.tf[t];
      if (!tf) continue;
      score += (idf(s.docCount, s.df[t] ?? 0) * (tf * (k1 + 1))) / (tf + k1 * norm);
    }
    return score;
  };
  tokens.forEach((t, i) => (out[i] = fieldScore(t.title, stats.title) + fieldScore(t.body, stats.body)));
  return out;
}
