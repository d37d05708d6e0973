/**
 * The built-in query parser: a natural-language query becomes `{ text, filters, boosts, negations, spans }`
 * using the index's own vocabulary. Phrases with a fixed shape (prices, ratings, dates) are found first, then
 * catalog terms, then numbers (whose field may depend on the category the query names); overlaps go to the
 * longer, surer reading; negation cues ("not", "without", "except") attach to the term after them. A span is a
 * hard filter only when it is sure and unambiguous and its field is filled in the index; otherwise it boosts.
 */
import type { Candidate } from './candidate.ts';
import { resolveOverlaps } from './candidate.ts';
import { findBudgetPhrases } from './budget.ts';
import { recogniseDates } from './recognise-dates.ts';
import { recogniseRatings } from './recognise-ratings.ts';
import { recogniseNumbers } from './recognise-numbers.ts';
import { recogniseTerms } from './recognise-terms.ts';
import { tokenize } from './tokens.ts';
import { assembleUnderstanding } from './assemble.ts';
import type { Span, Understanding } from './schema.ts';
import type { Vocabulary } from './vocabulary.ts';

/** Only the start of a long query is read: spans sit in the first words, and parsing stays well under a millisecond. */
export const MAX_PARSED_CHARS = 512;

/** At or above this confidence a sure, unambiguous span filters; below it boosts. */
export const HARD_CONFIDENCE = 0.7;

export interface UnderstandOptions {
  /** Character ranges whose spans are left out (chips the user removed). */
  ignore?: ReadonlyArray<{ start: number; end: number }>;
}

function priceCandidates(query: string, vocab: Vocabulary): Candidate[] {
  return findBudgetPhrases(query).map((p) => {
    // A budget in a currency the index does not price in, or an index without prices, can only boost.
    const foreign = !!p.currency && vocab.currencies.length > 0 && !vocab.currencies.includes(p.currency);
    const soft = foreign || vocab.fields.price === 0;
    return {
      start: p.start,
      end: p.end,
      kind: 'price',
      field: 'price',
      range: { ...(p.min !== undefined ? { gte: p.min } : {}), ...(p.max !== undefined ? { lte: p.max } : {}) },
      confidence: soft ? 0.5 : 0.95,
      match: 'phrase',
      ...(soft ? { soft: true } : {}),
      strip: true,
    } satisfies Candidate;
  });
}

const NEGATION_CUE =
  /(?:^|[\s,(;])(not|no|without|w\/o|except(?:\s+for)?|excluding|exclude|minus|other\s+than|anything\s+but|but\s+not|nor|never)(?:[\s-]+(?:a|an|the|any|made\s+by|by|from|brand|brands|in|with|including|coloured|colored|color|colour))*[\s-]*$/i;
const CHAIN = /^\s*(?:,\s*)?(?:or|and|nor|,)\s*$/i;
const NEGATABLE = new Set(['brand', 'category', 'attribute', 'colour', 'number']);

/** Marks spans introduced by a negation cue (and spans chained to them by "or"/","), widening them over the cue. */
function attachNegation(query: string, spans: Candidate[]): void {
  let previous: Candidate | undefined;
  for (const s of spans) {
    if (NEGATABLE.has(s.kind)) {
      const before = query.slice(previous?.end ?? 0, s.start);
      const cue = NEGATION_CUE.exec(before);
      if (cue) {
        s.negated = true;
        s.start = (previous?.end ?? 0) + cue.index + (cue[0].length - cue[0].trimStart().length);
      } else if (s.start > 0 && query[s.start - 1] === '-' && (s.start === 1 || /\s/.test(query[s.start - 2]!))) {
        s.negated = true;
        s.start -= 1;
      } else if (previous?.negated && NEGATABLE.has(previous.kind) && CHAIN.test(before)) {
        s.negated = true;
      }
    }
    previous = s;
  }
}

function fieldFilled(field: string, vocab: Vocabulary): boolean {
  if (field === 'price' || field === 'rating' || field === 'release_date') return vocab.fields[field] > 0;
  return true;
}

const overlapping = (a: readonly string[], b: readonly string[]) => a.some((x) => b.some((y) => x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`)));

/**
 * Understands a query against an index's vocabulary.
 *
 * @example
 *   const u = understandQuery('samsung 65 inch oled tv under 1500', vocabulary);
 *   u.filters // { brand: 'Samsung', category: 'electronics/tv', attributes: { screen_in: { gte: 65, lt: 66 }, panel: 'OLED' }, price: { lte: 1500 } }
 */
export function understandQuery(query: string, vocab: Vocabulary, options: UnderstandOptions = {}): Understanding {
  const text = query.length > MAX_PARSED_CHARS ? query.slice(0, MAX_PARSED_CHARS) : query;
  const shaped = resolveOverlaps([...recogniseRatings(text), ...recogniseDates(text), ...priceCandidates(text, vocab)]);
  const tokens = tokenize(text);
  const terms = recogniseTerms(text, tokens, vocab, shaped);
  const categories = terms.filter((t) => t.kind === 'category' && !t.soft).flatMap((t) => (Array.isArray(t.value) ? t.value : [t.value]).map(String));
  const numbers = recogniseNumbers(text, vocab, [...shaped, ...terms], categories);
  const chosen = resolveOverlaps([...shaped, ...terms, ...numbers]);
  attachNegation(text, chosen);

  const ignore = options.ignore ?? [];
  const spans: Span[] = [];
  for (const c of chosen) {
    if (ignore.some((r) => c.start < r.end && c.end > r.start)) continue;
    // A value that only exists in other categories than the query names cannot be meant as a filter here.
    const inconsistent = !!c.categories && categories.length > 0 && !overlapping(c.categories, categories);
    const hard = !c.soft && !inconsistent && c.confidence >= HARD_CONFIDENCE && fieldFilled(c.field, vocab);
    spans.push({
      start: c.start,
      end: c.end,
      text: text.slice(c.start, c.end),
      kind: c.kind,
      field: c.field,
      ...(c.value !== undefined ? { value: c.value } : {}),
      ...(c.range ? { range: c.range } : {}),
      negated: !!c.negated,
      effect: hard ? 'filter' : 'boost',
      confidence: Math.round((hard ? c.confidence : Math.min(c.confidence, HARD_CONFIDENCE - 0.05)) * 100) / 100,
      match: c.match,
    });
  }
  const understanding = assembleUnderstanding(text, spans);
  if (text.length < query.length) understanding.text = `${understanding.text} ${query.slice(MAX_PARSED_CHARS)}`.trim();
  return understanding;
}
