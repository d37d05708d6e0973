/**
 * Cheap lexical signals between a query and a document: term overlap with title, body and category, and exact
 * matches of product codes (tokens mixing letters and digits), which embeddings tend to blur.
 */

const STOP = new Set(
  'a an and are as at be by for from has have how i in is it its me my of on or that the this to was what when where which who why will with you your do does can'.split(' '),
);

/**
 * Lower-cased (NFKC) word tokens, split on anything that is not a letter or a digit.
 *
 * @example splitWords('The best Fridges under $500') // ['the', 'best', 'fridges', 'under', '500']
 */
export function splitWords(text: string): string[] {
  return text.toLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/**
 * Terms of already split words: stop words dropped, a trailing plural `s` dropped so "fridges" meets "fridge".
 *
 * @example termsOfWords(['the', 'best', 'fridges']) // ['best', 'fridge']
 */
export function termsOfWords(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of words) {
    if (STOP.has(raw)) continue;
    out.push(raw.length > 3 && raw.endsWith('s') && !raw.endsWith('ss') ? raw.slice(0, -1) : raw);
  }
  return out;
}

/**
 * Lower-cased word tokens without stop words; a trailing plural `s` is dropped so "fridges" meets "fridge".
 *
 * @example terms('The best Fridges under $500') // ['best', 'fridge', 'under', '500']
 */
export function terms(text: string): string[] {
  return termsOfWords(splitWords(text));
}

/** Fraction of distinct query terms present in a set of document terms (0 when the query has none). */
export function overlap(queryTerms: readonly string[], docTerms: ReadonlySet<string>): number {
  const distinct = new Set(queryTerms);
  if (distinct.size === 0) return 0;
  let hit = 0;
  for (const t of distinct) if (docTerms.has(t)) hit++;
  return hit / distinct.size;
}

/** Query tokens that look like product codes: at least 4 characters mixing letters and digits. */
export function codeTokens(query: string): string[] {
  return query
    .split(/[^\p{L}\p{N}-]+/u)
    .filter((t) => t.length >= 4 && /\p{L}/u.test(t) && /\p{N}/u.test(t))
    .map((t) => t.toLowerCase().replace(/-/g, ''));
}

/**
 * 1 when a product code in the query appears verbatim (case and dashes ignored) in the haystack, 0.5 when a
 * code's first 6+ characters do (a model family), else 0.
 *
 * @example codeMatch('RF28R7351', 'Samsung RF28R7351SG fridge') // 1
 */
export function codeMatch(query: string, haystack: string): number {
  const codes = codeTokens(query);
  if (codes.length === 0) return 0;
  const hay = haystack.toLowerCase().replace(/-/g, '');
  let best = 0;
  for (const c of codes) {
    if (hay.includes(c)) return 1;
    if (c.length >= 6 && hay.includes(c.slice(0, 6))) best = 0.5;
  }
  return best;
}
