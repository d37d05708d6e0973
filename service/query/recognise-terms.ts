/**
 * Catalog terms in a query: brands, category names (and their plurals and catalog-supported synonyms),
 * keyword attribute values, colours and boolean attribute names, matched on term keys over runs of up to a few
 * words, longest first; then brand and category names written with a typo, when the word is not one the
 * catalog itself uses.
 */
import type { Candidate } from './candidate.ts';
import type { TermEntry, Vocabulary } from './vocabulary.ts';
import { COMMON_WORDS, STOPWORDS, type Token } from './tokens.ts';

const KIND_ORDER: Record<TermEntry['kind'], number> = { attribute: 3, colour: 3, brand: 2, category: 1 };

/** The best reading of a key; a close second reading on another field makes the term ambiguous. */
function pick(entries: readonly TermEntry[]): { entry: TermEntry; ambiguous: boolean } {
  const ordered = [...entries].sort((a, b) => b.confidence - a.confidence || KIND_ORDER[b.kind] - KIND_ORDER[a.kind]);
  const entry = ordered[0]!;
  const rival = ordered.find((e) => e.field !== entry.field && e.match !== 'synonym' && e.confidence >= entry.confidence - 0.1);
  return { entry, ambiguous: entry.ambiguous || !!rival };
}

function toCandidate(entry: TermEntry, ambiguous: boolean, start: number, end: number, match: Candidate['match'], confidence: number): Candidate {
  return {
    start,
    end,
    kind: entry.kind,
    field: entry.field,
    value: entry.value,
    confidence: ambiguous ? Math.min(confidence, 0.5) : confidence,
    match: match === 'exact' && entry.match !== 'exact' ? entry.match : match,
    ...(ambiguous ? { soft: true } : {}),
    strip: false,
  };
}

/** Tokens are one phrase only when nothing but spaces or hyphens separates them. */
const joined = (query: string, a: Token, b: Token) => /^[\s-]*$/.test(query.slice(a.end, b.start));

/**
 * Term candidates among the tokens not already claimed by price, rating, date or number phrases.
 *
 * @example recogniseTerms('samsnug tv', tokenize('samsnug tv'), vocabulary) // Samsung (typo) and electronics/tv
 */
export function recogniseTerms(query: string, tokens: readonly Token[], vocab: Vocabulary, claimed: ReadonlyArray<{ start: number; end: number }>): Candidate[] {
  const free = tokens.map((t) => !claimed.some((c) => t.start < c.end && t.end > c.start));
  const out: Candidate[] = [];
  const covered = new Array<boolean>(tokens.length).fill(false);
  for (let i = 0; i < tokens.length; i++) {
    if (!free[i]) continue;
    for (let n = Math.min(vocab.maxTokens, tokens.length - i); n >= 1; n--) {
      let ok = true;
      for (let j = i; j < i + n; j++) if (!free[j] || (j > i && !joined(query, tokens[j - 1]!, tokens[j]!))) ok = false;
      if (!ok) continue;
      const key = tokens.slice(i, i + n).map((t) => t.stem).join('');
      const entries = vocab.terms.get(key);
      if (!entries) continue;
      const { entry, ambiguous } = pick(entries);
      out.push(toCandidate(entry, ambiguous, tokens[i]!.start, tokens[i + n - 1]!.end, 'exact', entry.confidence));
      for (let j = i; j < i + n; j++) covered[j] = true;
      break;
    }
  }
  // Typos: a word the catalog never uses, close to a brand or category name.
  const categories = out.filter((c) => c.kind === 'category' && !c.soft).flatMap((c) => (Array.isArray(c.value) ? c.value : [c.value]).map(String));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!free[i] || covered[i] || STOPWORDS.has(t.norm) || COMMON_WORDS.has(t.norm) || vocab.knownWords.has(t.stem) || !/^\p{L}+$/u.test(t.norm)) continue;
    const tryKey = (keys: string[], end: number, width: number) => {
      const hits = keys.flatMap((k) => vocab.fuzzy.nearestAll(k));
      const best = Math.min(...hits.map((h) => h.distance));
      const entries = hits
        .filter((h) => h.distance === best)
        .flatMap((h) => vocab.terms.get(h.key) ?? [])
        .filter((e) => (e.kind === 'brand' || e.kind === 'category') && e.match === 'exact');
      if (!entries.length) return false;
      // Several names as close ("bosh": Bosch or Bose): the one with products in the query's category, else a guess that only boosts.
      const inScope = entries.filter((e) => e.kind !== 'brand' || categories.length === 0 || (vocab.brandCategories.get(String((e.value as string[])[0])) ?? []).some((c) => categories.some((q) => c === q || c.startsWith(`${q}/`))));
      const pool = inScope.length ? inScope : entries;
      const distinct = new Set(pool.map((e) => `${e.field}:${JSON.stringify(e.value)}`));
      const { entry, ambiguous } = pick(pool);
      out.push(toCandidate(entry, ambiguous || distinct.size > 1, t.start, end, 'typo', entry.confidence - 0.05 - 0.1 * best));
      for (let j = i; j < i + width; j++) covered[j] = true;
      return true;
    };
    const next = tokens[i + 1];
    // "dish washer" against "dishwasher": a pair of words is tried as one.
    if (next && free[i + 1] && !covered[i + 1] && joined(query, t, next) && tryKey([t.norm + next.stem], next.end, 2)) continue;
    tryKey([t.norm, t.stem], t.end, 1);
  }
  return out;
}
