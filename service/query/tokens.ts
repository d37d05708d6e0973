/**
 * Words of a query with their character offsets, and the keys under which query words and catalog terms meet:
 * lower-cased, accents and punctuation dropped, singular and Porter-stemmed, joined without spaces. So
 * "T-Shirts", "t shirt" and "tshirt" share a key, as do "washing machines" and "Washing-Machine".
 */
import pluralize from 'pluralize';
import { stemmer } from 'stemmer';

export interface Token {
  /** The word as written. */
  text: string;
  /** Lower-case, accents and inner punctuation removed ("Men's" -> "men", "T-Shirt" -> "tshirt"). */
  norm: string;
  /** Singular and stemmed `norm`: what keys are made of. */
  stem: string;
  start: number;
  end: number;
}

// Words: letters and digits, joined by inner apostrophes, dots, ampersands or slashes ("men's", "u.s.", "q&q").
// Hyphens separate words, so "side-by-side" and "side by side" (and "t-shirt" and "t shirt") read alike.
const WORD = /[\p{L}\p{N}]+(?:['’.&/][\p{L}\p{N}]+)*/gu;

const stemCache = new Map<string, string>();

/**
 * Singular, then Porter stem; words with digits stay as they are ("4k", "5g"). Memoised: catalogs and queries
 * repeat their words.
 *
 * @example stemWord('dishwashers') // 'dishwash'
 */
export function stemWord(norm: string): string {
  let s = stemCache.get(norm);
  if (s === undefined) {
    s = /\d/.test(norm) || norm.length < 3 ? norm : stemmer(pluralize.singular(pluralize.singular(norm)));
    if (stemCache.size > 50_000) stemCache.clear();
    stemCache.set(norm, s);
  }
  return s;
}

/**
 * Normal form of one word.
 *
 * @example normWord("Men's") // 'men'
 */
export function normWord(word: string): string {
  return word
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/['’]s$/u, '')
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * The words of a text with offsets.
 *
 * @example tokenize('Samsung 65" TV')[2] // { text: 'TV', norm: 'tv', stem: 'tv', start: 12, end: 14 }
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    const norm = normWord(m[0]);
    if (!norm) continue;
    out.push({ text: m[0], norm, stem: stemWord(norm), start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/**
 * The key of a phrase: its tokens' stems joined.
 *
 * @example termKey('Washing-Machines') === termKey('washing machine') // true
 */
export function termKey(phrase: string): string {
  return tokenize(phrase.replace(/[_]/g, ' ')).map((t) => t.stem).join('');
}

/** Common words a typo is never corrected from ("best" is not a misspelt "Beats"). */
export const COMMON_WORDS = new Set('best good great top cheap new small large big little light heavy fast slow hot cold warm cool nice fine pretty smart black white'.split(' '));

/** Function words: never a brand or a value on their own, whatever a catalog names itself. */
export const STOPWORDS = new Set(
  'a an the and or but nor not no of for with without to in on at by from as is are be it its this that these those my your our their me i you we they he she his her them us any some all only just very too so than then into onto over under up down out off more most less least few many much such own same other another each every both either neither can will would should could may might must do does did has have had'.split(
    ' ',
  ),
);
