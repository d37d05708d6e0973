/**
 * Query terms for snippet scoring and highlighting: words from `Intl.Segmenter` (so CJK text is split into words
 * by ICU's dictionaries), lower-cased, accents folded, English stop words dropped, and plurals reduced with a few
 * suffix rules. Deliberately not a full stemmer: "fridges" must find "fridge", but "running" need not find "run",
 * and a wrong conflation would highlight words the user did not ask for.
 */
import { segmentText } from './segment.ts';

export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and any are as at be been but by can could do does for from had has have how i if in into is it its ' +
    'me my no not of on or our should so than that the their them then there these they this those to was we ' +
    'were what when where which who why will with would you your'
  ).split(' '),
);

/**
 * Folds a word to the form compared between query and text.
 *
 * @example normalizeTerm('Fridges') // 'fridge'; normalizeTerm('Café') // 'cafe'; normalizeTerm('batteries') // 'battery'
 */
export function normalizeTerm(word: string): string {
  let w = word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/['’]s$/, '');
  // Only alphabetic words are de-pluralised: "RF28R7351S" or "100s" are codes, not plurals.
  if (!/^\p{L}+$/u.test(w)) return w;
  if (w.length > 4 && w.endsWith('ies')) w = w.slice(0, -3) + 'y';
  else if (w.length > 4 && /(?:ches|shes|xes|sses|zzes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  return w;
}

export interface Token {
  term: string;
  start: number;
  end: number;
}

/**
 * The word tokens of `text` with offsets and normalised terms (punctuation and spaces skipped).
 *
 * @example wordTokens('Two fridges.') // [{ term: 'two', start: 0, end: 3 }, { term: 'fridge', start: 4, end: 11 }]
 */
export function wordTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const { segment, index, isWordLike } of segmentText(text, 'word')) {
    if (isWordLike) tokens.push({ term: normalizeTerm(segment), start: index, end: index + segment.length });
  }
  return tokens;
}

/**
 * The distinct content terms of a query, in order of first appearance.
 *
 * @example queryTerms('How loud are the fridges?') // ['loud', 'fridge']
 */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const { term, start, end } of wordTokens(query)) {
    // Checked before de-pluralising too, or "does" would become "doe" and slip through.
    if (!STOP_WORDS.has(term) && !STOP_WORDS.has(query.slice(start, end).toLowerCase())) terms.add(term);
  }
  return [...terms];
}
