/**
 * Extractive snippets: the sentences of a document that best answer the query, shown with the query's words
 * highlighted. Sentences, not fixed windows, so a snippet reads as written; scored by embedding similarity when the
 * caller has one and by query-term overlap always, so snippets work without a model and on any length of text.
 */
import { iterateSentences, type Sentence } from './sentences.ts';
import { queryTerms, wordTokens } from './terms.ts';

export interface Highlight {
  /** Offsets inside the snippet's `text` (or inside the text given to `highlightTerms`). */
  start: number;
  end: number;
}

export interface Snippet extends Sentence {
  score: number;
  highlights: Highlight[];
}

export interface SnippetOptions {
  count?: number;
  /** Similarity of each sentence to the query (e.g. embedding cosine), one per sentence, in order. */
  similarity?: (sentences: string[]) => number[];
  /** Longest snippet in characters; longer sentences are split on a word boundary first. */
  maxChars?: number;
  /** Sentences considered, from the start; bounds the work (and the similarity call) on huge inputs. */
  maxSentences?: number;
}

const SIMILARITY_WEIGHT = 0.6;
const OVERLAP_WEIGHT = 0.4;

const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

function matches(terms: ReadonlySet<string>, text: string): { highlights: Highlight[]; found: Set<string> } {
  const highlights: Highlight[] = [];
  const found = new Set<string>();
  if (terms.size === 0) return { highlights, found };
  // Word segmentation is the expensive step; a term minus its last letter is always a substring of any word it
  // matches (plural rules only add letters after it, "battery" <- "batteries"), so most sentences are skipped here.
  const folded = fold(text);
  if (![...terms].some((t) => folded.includes(t.length > 1 ? t.slice(0, -1) : t))) return { highlights, found };
  for (const t of wordTokens(text)) {
    if (terms.has(t.term)) {
      highlights.push({ start: t.start, end: t.end });
      found.add(t.term);
    }
  }
  return { highlights, found };
}

/**
 * Offsets of the query's content words in `text`, matched case-, accent- and plural-insensitively.
 *
 * @example highlightTerms('fridges with ice maker', 'This fridge has an ice maker.')
 *   // [{ start: 5, end: 11 }, { start: 19, end: 22 }, { start: 23, end: 28 }]
 */
export function highlightTerms(query: string, text: string): Highlight[] {
  return matches(new Set(queryTerms(query)), text).highlights;
}

/**
 * Scores already-split sentences and keeps the best `count`, in document order: 0.6 × similarity (clamped to
 * [0, 1]; 0 without similarities) + 0.4 × the share of query terms the sentence contains. Sentences scoring 0 are
 * never returned. Use this when the similarities come from an async encoder: split, embed, then pick.
 *
 * @example
 *   const sentences = splitSentences(review);
 *   const sims = await cosineToQuery(sentences.map((s) => s.text));
 *   pickSnippets('is it quiet', sentences, { similarities: sims });
 */
export function pickSnippets(
  query: string,
  sentences: readonly Sentence[],
  { count = 2, similarities }: { count?: number; similarities?: readonly number[] } = {},
): Snippet[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
  if (similarities && similarities.length !== sentences.length) {
    throw new RangeError(`similarity returned ${similarities.length} values for ${sentences.length} sentences`);
  }
  const terms = new Set(queryTerms(query));
  const scored = sentences.map((s, i) => {
    const { highlights, found } = matches(terms, s.text);
    const overlap = terms.size > 0 ? found.size / terms.size : 0;
    const raw = similarities?.[i] ?? 0;
    // Cosines can be negative and a broken encoder can return NaN; neither may outweigh a lexical match.
    const sim = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0;
    return { ...s, score: SIMILARITY_WEIGHT * sim + OVERLAP_WEIGHT * overlap, highlights, order: i };
  });
  return scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, count)
    .sort((a, b) => a.order - b.order)
    .map(({ order: _order, ...snippet }) => snippet);
}

/**
 * The `count` (default 2) sentences of `text` that best match `query`, in document order, with offsets into `text`
 * and highlights inside each snippet. Returns [] when nothing matches (no shared term and no similarity).
 *
 * @example
 *   extractSnippets('fridge warranty', manual, { count: 1 })
 *   // [{ text: 'The fridge warranty covers the compressor for ten years.', start: 10412, end: 10468,
 *   //    score: 0.4, highlights: [{ start: 4, end: 10 }, { start: 11, end: 19 }] }]
 */
export function extractSnippets(
  query: string,
  text: string,
  { count = 2, similarity, maxChars = 300, maxSentences = 10_000 }: SnippetOptions = {},
): Snippet[] {
  const sentences: Sentence[] = [];
  for (const s of iterateSentences(text, { maxChars })) {
    if (sentences.length >= maxSentences) break;
    sentences.push(s);
  }
  if (sentences.length === 0) return [];
  const similarities = similarity?.(sentences.map((s) => s.text));
  return pickSnippets(query, sentences, { count, ...(similarities ? { similarities } : {}) });
}
