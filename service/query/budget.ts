/**
 * Budget phrases in free-text queries ("fridge under $500", "300 to 500 euros"): the price part becomes a price-fit
 * signal for the reranker and the rest stays the relevance query, so "under" and "500" do not pollute BM25 or the
 * query embedding.
 *
 * The parser is deliberately conservative: a bare number is never a budget ("55 inch tv", "iphone 15"), and a number
 * followed by a unit ("under 30 inch", "less than 45 dB") is a size, not a price. It only misses budgets, it should
 * never invent one, because a wrong price filter hides good products while a missed one only loses a small boost.
 */
import { z } from 'zod';

export const BudgetSchema = z.strictObject({
  max: z.number().min(0).optional(),
  min: z.number().min(0).optional(),
  /** ISO 4217 code when the query named a currency ("$" is read as USD). */
  currency: z.string().length(3).optional(),
  /** The budget phrase(s) as written in the query, joined by a space when there are several. */
  matched: z.string().optional(),
});

export type Budget = z.infer<typeof BudgetSchema>;

const SYMBOLS: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'JPY', '₹': 'INR' };
// "pounds" is read as money: in a shopping query a weight is usually written "lbs", and a wrong guess costs little.
const WORDS: Array<[RegExp, string]> = [
  [/^(?:dollars?|usd|bucks)$/i, 'USD'],
  [/^(?:euros?|eur)$/i, 'EUR'],
  [/^(?:pounds?|gbp|quid)$/i, 'GBP'],
  [/^(?:yen|jpy)$/i, 'JPY'],
  [/^(?:rupees?|inr)$/i, 'INR'],
];
const WORD_ALT = 'dollars?|usd|bucks|euros?|eur|pounds?|gbp|quid|yen|jpy|rupees?|inr';
const SYM_ALT = '[$€£¥₹]';

// A number followed by one of these is a size, a duration or a count, not a price.
const UNIT_AFTER =
  /^\s*(?:-\s*)?(?:inch(?:es)?|in\b|"|''|cm|mm|m\b|meters?|metres?|ft|feet|foot|cu\b|cubic|l\b|liters?|litres?|qt|quarts?|gal(?:lons?)?|kg|g\b|grams?|lbs?|oz|ounces?|w\b|watts?|kw|kwh|v\b|volts?|amps?|db|decibels?|hz|khz|mhz|ghz|gb|tb|mb|mp|megapixels?|years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?\b|seconds?|secs?|stars?|%|percent|mah|k?pa\b|pascals?|bars?\b|mpx?\b|megapixels?|nits?|lumens?|people|persons?|seats?|places?|pcs|pieces?|pack|rpm|btu|psi|mph|km|miles?|cups?|slices?|burners?|doors?|x\b)/i;

/** One amount with an optional currency before or after it; `p` keeps group names unique within a pattern. */
function amount(p: string): string {
  return (
    `(?<${p}sym>${SYM_ALT})?\\s?` +
    `(?<![\\p{L}\\p{N}.,])(?<${p}num>\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+(?:\\.\\d+)?)` +
    `(?:\\s?(?<${p}k>[kK])(?![\\p{L}\\p{N}]))?` +
    `(?:\\s?(?<${p}sym2>${SYM_ALT})|\\s*(?<${p}word>${WORD_ALT})(?![\\p{L}\\p{N}]))?` +
    `(?![\\p{L}\\p{N}]|[.,]\\d)`
  );
}

const KW = (alts: string) => `(?<![\\p{L}\\p{N}])(?:${alts})(?![\\p{L}\\p{N}])`;
const UPPER_WORDS =
  'under|below|less than|lower than|cheaper than|no more than|not more than|not over|at most|up to|within|max(?:imum)?|budget(?: of| is)?';
const LOWER_WORDS = 'over|above|more than|greater than|at least|no less than|min(?:imum)?|starting (?:at|from)';

type Kind = 'range' | 'max' | 'min';
interface Pattern {
  kind: Kind;
  re: RegExp;
  /** Some phrasings are only budgets when a currency is written ("from $50", "$500 max", "$300-$500"). */
  needsCurrency?: (m: RegExpExecArray) => boolean;
  accept?: (m: RegExpExecArray) => boolean;
}

const PATTERNS: Pattern[] = [
  {
    kind: 'range',
    re: new RegExp(`(?:(?<pre>${KW('between|from')})\\s+)?${amount('a')}\\s*(?<conn>-|–|—|to|and)\\s*${amount('b')}`, 'giu'),
    // "between 300 and 500" is clearly a budget; "300-500" or "2019 to 2021" without a currency is not.
    needsCurrency: (m) => (m.groups?.['pre'] ?? '').toLowerCase() !== 'between',
    // "and" joins a range only after "between"; "$300 and $500" alone could be two products' prices.
    accept: (m) => m.groups?.['conn']?.toLowerCase() !== 'and' || (m.groups?.['pre'] ?? '').toLowerCase() === 'between',
  },
  { kind: 'max', re: new RegExp(`(?:${KW(UPPER_WORDS)}|<=?|≤|＜)\\s*:?\\s*${amount('a')}`, 'giu') },
  { kind: 'min', re: new RegExp(`(?:${KW(LOWER_WORDS)}|>=?|≥|＞)\\s*:?\\s*${amount('a')}`, 'giu') },
  { kind: 'min', re: new RegExp(`${KW('from')}\\s+${amount('a')}`, 'giu'), needsCurrency: () => true },
  { kind: 'max', re: new RegExp(`${amount('a')}\\s+${KW('or (?:less|under|below|cheaper)|and (?:under|below|less)')}`, 'giu') },
  { kind: 'min', re: new RegExp(`${amount('a')}\\s+${KW('or (?:more|over|above)|and (?:up|over|above)')}`, 'giu') },
  { kind: 'max', re: new RegExp(`${amount('a')}\\s*${KW('max(?:imum)?|tops')}`, 'giu'), needsCurrency: () => true },
  { kind: 'min', re: new RegExp(`${amount('a')}\\+(?![\\p{L}\\p{N}])`, 'giu'), needsCurrency: () => true },
];

interface Hit {
  kind: Kind;
  start: number;
  end: number;
  values: number[];
  currency?: string;
}

function currencyOf(groups: Record<string, string | undefined>, p: string): string | undefined {
  const sym = groups[`${p}sym`] ?? groups[`${p}sym2`];
  if (sym) return SYMBOLS[sym];
  const word = groups[`${p}word`];
  return word ? WORDS.find(([re]) => re.test(word))?.[1] : undefined;
}

function valueOf(groups: Record<string, string | undefined>, p: string): number {
  const n = Number((groups[`${p}num`] ?? '').replace(/,/g, ''));
  return groups[`${p}k`] ? n * 1000 : n;
}

// Budget phrases sit in short queries; scanning only the start keeps pathological inputs (a pasted page of
// "under $500 under $500 ...") linear instead of quadratic in the overlap checks.
const SCAN_LIMIT = 4096;

function findHits(query: string): Hit[] {
  const hits: Hit[] = [];
  const scanned = query.length > SCAN_LIMIT ? query.slice(0, SCAN_LIMIT) : query;
  // A phrase touching the cut may be cut itself ("under $5|00"), so it is not trusted.
  const usableEnd = scanned.length < query.length ? SCAN_LIMIT - 16 : Infinity;
  const overlaps = (s: number, e: number) => hits.some((h) => s < h.end && e > h.start);
  for (const { kind, re, needsCurrency, accept } of PATTERNS) {
    for (const m of scanned.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      const groups = m.groups ?? {};
      const prefixes = kind === 'range' ? ['a', 'b'] : ['a'];
      const currency = prefixes.map((p) => currencyOf(groups, p)).find(Boolean);
      if (end > usableEnd || overlaps(start, end) || (accept && !accept(m))) continue;
      if (needsCurrency?.(m) && !currency) continue;
      // A currency after the number settles it; otherwise a following unit makes it a size ("under 30 inch").
      const last = prefixes[prefixes.length - 1]!;
      if (!groups[`${last}sym2`] && !groups[`${last}word`] && UNIT_AFTER.test(query.slice(end))) continue;
      const values = prefixes.map((p) => valueOf(groups, p));
      // "$1-2k" means 1000 to 2000: the k of the upper end applies to a lower end written without one.
      if (kind === 'range' && groups['bk'] && !groups['ak'] && values[0]! <= Number(groups['bnum'])) values[0]! *= 1000;
      hits.push({ kind, start, end, values, ...(currency ? { currency } : {}) });
    }
  }
  return hits.sort((x, y) => x.start - y.start);
}

/**
 * Finds a price budget in a search query. Upper bounds ("under", "below", "less than", "<", "max", "up to", "$500
 * or less"), lower bounds ("over", "at least", ">", "$50+"), and ranges ("between 300 and 500", "$300-$500", "300 to
 * 500 euros") are recognised; "1k" is 1000 and "1,200" is 1200. Several phrases combine ("over $300 and under
 * $500"). Returns null when the query holds no budget. Only the first 4 KB of a query are scanned.
 *
 * @example
 *   parseBudget('samsung fridge under $500') // { max: 500, currency: 'USD', matched: 'under $500' }
 *   parseBudget('300 to 500 euros')         // { min: 300, max: 500, currency: 'EUR', matched: '300 to 500 euros' }
 *   parseBudget('55 inch tv')               // null
 */
export function parseBudget(query: string): Budget | null {
  const hits = findHits(query);
  if (hits.length === 0) return null;
  let max: number | undefined;
  let min: number | undefined;
  for (const h of hits) {
    const lo = h.kind === 'range' ? Math.min(h.values[0]!, h.values[1]!) : h.values[0]!;
    const hi = h.kind === 'range' ? Math.max(h.values[0]!, h.values[1]!) : h.values[0]!;
    if (h.kind !== 'min') max = max === undefined ? hi : Math.min(max, hi);
    if (h.kind !== 'max') min = min === undefined ? lo : Math.max(min, lo);
  }
  // Contradictory phrases ("over 500 under 300") are most likely a swapped range, not an empty one.
  if (min !== undefined && max !== undefined && min > max) [min, max] = [max, min];
  const currency = hits.find((h) => h.currency)?.currency;
  return {
    ...(max !== undefined ? { max } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(currency ? { currency } : {}),
    matched: hits.map((h) => query.slice(h.start, h.end)).join(' '),
  };
}

// Words that only glued the budget to the query ("fridge for under $500", "over $300 and under $500").
const DANGLING = /(?:^|[\s,])(?:for|at|priced(?: at)?|costing|costs?|price[sd]?|budget|and|or|with a|,)\s*$/i;

/**
 * Removes the budget phrase(s) and the words that only connected them, leaving the relevance query. A query
 * without a budget comes back unchanged (apart from trimming).
 *
 * @example
 *   stripBudget('samsung fridge for under $500 with ice maker') // 'samsung fridge with ice maker'
 */
export function stripBudget(query: string): string {
  const hits = findHits(query);
  if (hits.length === 0) return query.trim();
  const parts: string[] = [];
  let cursor = 0;
  for (const h of hits) {
    let before = query.slice(cursor, h.start);
    for (let m = DANGLING.exec(before); m; m = DANGLING.exec(before)) before = before.slice(0, m.index);
    parts.push(before, ' ');
    cursor = h.end;
  }
  parts.push(query.slice(cursor));
  const out = parts.join('');
  return out
    .replace(/^\s*(?:and|or|,)\s+/i, '')
    .replace(/\s+([,.!?])/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .replace(/^[\s,.;:!?]+|[\s,;:]+$/g, '');
}

/** One budget phrase with its character offsets in the query. */
export interface BudgetPhrase {
  start: number;
  end: number;
  min?: number;
  max?: number;
  currency?: string;
}

/**
 * Each budget phrase of a query on its own, with offsets, so query understanding can show it as a span and
 * turn it into a price range.
 *
 * @example findBudgetPhrases('tv under $500') // [{ start: 3, end: 13, max: 500, currency: 'USD' }]
 */
export function findBudgetPhrases(query: string): BudgetPhrase[] {
  return findHits(query).map((h) => {
    const lo = h.kind === 'range' ? Math.min(h.values[0]!, h.values[1]!) : h.values[0]!;
    const hi = h.kind === 'range' ? Math.max(h.values[0]!, h.values[1]!) : h.values[0]!;
    return {
      start: h.start,
      end: h.end,
      ...(h.kind !== 'max' ? { min: lo } : {}),
      ...(h.kind !== 'min' ? { max: hi } : {}),
      ...(h.currency ? { currency: h.currency } : {}),
    };
  });
}
