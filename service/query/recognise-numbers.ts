/**
 * Numbers with units or attribute names: "65 inch", "49 dB", "10 litres", "16gb ram", "12 place settings",
 * "size 10", with comparators ("under 45 dB", "at least 16 GB", "500+ litres") and ranges ("between 55 and 65
 * inch"). The field comes from the catalog: the numeric attributes measured in that unit (named by their
 * suffix), narrowed by a name word next to the number, by the query's categories, and by which values exist.
 * A number the catalog cannot place, or places in several fields, only boosts.
 */
import type { Candidate, Range } from './candidate.ts';
import type { NumericField, Vocabulary } from './vocabulary.ts';
import { conversion, unitOf, UNIT_PATTERN } from './units.ts';
import { tokenize, type Token } from './tokens.ts';

const NUM = String.raw`(\d+(?:[.,]\d+)?)`;
const B = String.raw`(?<![\p{L}\p{N}.,$€£¥₹])`;
const UNIT = String.raw`(?:(${UNIT_PATTERN})(?![\p{L}\p{N}]))`;
const UP = String.raw`under|below|less than|fewer than|smaller than|lower than|shorter than|lighter than|quieter than|thinner than|up to|at most|max(?:imum)?|no more than|<=?|≤`;
const LOW = String.raw`over|above|more than|greater than|bigger than|larger than|longer than|higher than|faster than|stronger than|at least|min(?:imum)?|no less than|>=?|≥`;
const AFTER_UP = String.raw`\s*(?:\+|plus\b|or\s+(?:more|bigger|larger|higher|above|over|greater)\b|and\s+(?:up|above|over|bigger|larger|higher)\b|min(?:imum)?\b)`;
const AFTER_DOWN = String.raw`\s*(?:or\s+(?:less|smaller|lower|under|below|fewer)\b|and\s+(?:under|below|less|smaller)\b|max(?:imum)?\b)`;

const RANGE = new RegExp(`${B}(?:(between|from)\\s+)?${NUM}\\s*${UNIT}?\\s*(?:-|–|to|and)\\s*${NUM}\\s*${UNIT}?`, 'giu');
const SINGLE = new RegExp(`${B}(?:(${UP})|(${LOW}))?\\s*${NUM}(\\+)?\\s*${UNIT}?((?:${AFTER_UP}))?((?:${AFTER_DOWN}))?`, 'giu');

// "1,200" is a thousand separator, "1,5" a decimal comma.
const plain = (s: string) => (/^\d{1,3},\d{3}$/.test(s) ? s.replace(',', '') : s.replace(',', '.'));
const decimals = (s: string) => (plain(s).includes('.') ? plain(s).split('.')[1]!.length : 0);
const parse = (s: string) => Number(plain(s));

interface Parsed {
  start: number;
  end: number;
  range: { lo?: number; hi?: number; exact?: { value: number; step: number } };
  unit?: string;
}

/**
 * Name words right after (or right before) a number: "16gb ram", "ram 16gb", "12 place settings", "size 10".
 * Every field so named comes back ("battery" names battery_min and battery_h; the unit and category decide).
 */
function namesNear(query: string, p: Parsed, fields: readonly NumericField[]): Array<{ field: NumericField; start: number; end: number }> {
  const after = tokenize(query.slice(p.end, p.end + 40));
  const before = tokenize(query.slice(Math.max(0, p.start - 40), p.start));
  const out: Array<{ field: NumericField; start: number; end: number }> = [];
  for (const f of fields) {
    const hit = nameOf(query, p, f, after, before);
    if (hit) out.push(hit);
  }
  return out;
}

function nameOf(query: string, p: Parsed, f: NumericField, after: Token[], before: Token[]): { field: NumericField; start: number; end: number } | undefined {
  for (const key of f.nameKeys) {
    for (let n = 1; n <= 3; n++) {
      const a = after.slice(0, n);
      // Only words right after the number (at most a space or a hyphen between).
      if (a.length === n && a.map((t) => t.stem).join('') === key && /^[\s-]*$/.test(query.slice(p.end, p.end + a[0]!.start))) {
        return { field: f, start: p.start, end: p.end + a[n - 1]!.end };
      }
      const b = before.slice(-n);
      const offset = Math.max(0, p.start - 40);
      if (b.length === n && b.map((t) => t.stem).join('') === key && /^[\s:-]*(?:of\s+)?$/i.test(query.slice(offset + b[n - 1]!.end, p.start))) {
        return { field: f, start: offset + b[0]!.start, end: p.end };
      }
    }
  }
  return undefined;
}


function inField(f: NumericField, r: Parsed['range'], factor: number): { fits: boolean; supported: boolean } {
  const lo = r.exact ? r.exact.value * factor : r.lo !== undefined ? r.lo * factor : -Infinity;
  const hi = r.exact ? (r.exact.value + r.exact.step) * factor : r.hi !== undefined ? r.hi * factor : Infinity;
  const fits = lo <= f.max && hi >= f.min;
  // An exact number is supported when a value exists in [v, v + step): "65 inch" needs a 65" product.
  const supported = r.exact ? (f.values.length ? f.values.some((v) => v >= lo - 1e-9 && v < hi - 1e-9) : fits) : fits;
  return { fits, supported };
}

const overlapsCategories = (f: NumericField, cats: readonly string[]) =>
  cats.length === 0 || f.categories.some((c) => cats.some((q) => c === q || c.startsWith(`${q}/`)));

function candidateFor(query: string, p: Parsed, vocab: Vocabulary, categories: readonly string[]): Candidate | undefined {
  const unitFields = p.unit ? vocab.numeric.filter((f) => f.unit && conversion(p.unit!, f.unit) !== undefined) : [];
  const names = namesNear(query, p, p.unit ? unitFields : vocab.numeric);
  // A number without a unit needs a name word ("size 10"); with a unit, a name word picks among fields: in the
  // query's categories, then measured in the very unit written.
  let fields = names.length ? names.map((n) => n.field) : unitFields;
  if (fields.length === 0) return undefined;
  const scoped = fields.filter((f) => overlapsCategories(f, categories));
  if (scoped.length) fields = scoped;
  const sameUnit = fields.filter((f) => f.unit === p.unit);
  if (names.length && sameUnit.length) fields = sameUnit;
  const named = names.find((n) => n.field === fields[0]) ?? names[0];
  const start = named?.start ?? p.start;
  const end = named?.end ?? p.end;
  const judged = fields.map((f) => ({ f, factor: p.unit && f.unit ? conversion(p.unit, f.unit)! : 1, ...inField(f, p.range, p.unit && f.unit ? conversion(p.unit, f.unit)! : 1) }));
  const fitting = judged.filter((j) => j.fits);
  if (fitting.length === 0) return undefined;
  const supported = fitting.filter((j) => j.supported);
  const pick = (supported.length ? supported : fitting).sort((a, b) => b.f.docs - a.f.docs)[0]!;
  const { f, factor } = pick;
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  let range: Range;
  if (p.range.exact) {
    const lo = round(p.range.exact.value * factor);
    // "2 litre" where 2.0 exists means 2.0 at the catalog's precision; "15 inch" where it does not means 15.x.
    const places = Math.min(3, Math.max(0, ...f.values.map((v) => (String(v).split('.')[1] ?? '').length)));
    const exists = f.values.some((v) => Math.abs(v - lo) < 1e-9);
    const step = exists ? Math.min(p.range.exact.step * factor, 10 ** -places) : p.range.exact.step * factor;
    range = { gte: lo, lt: round(lo + step) };
  } else {
    range = {
      ...(p.range.lo !== undefined ? { gte: round(p.range.lo * factor) } : {}),
      ...(p.range.hi !== undefined ? { lte: round(p.range.hi * factor) } : {}),
    };
  }
  const sure = supported.length === 1 || (supported.length > 1 && !!named) || (fitting.length === 1 && !p.range.exact);
  return {
    start,
    end,
    kind: 'number',
    field: f.field,
    range,
    confidence: sure ? 0.9 : 0.5,
    match: 'phrase',
    ...(sure ? {} : { soft: true }),
    strip: true,
    categories: f.categories,
  };
}

/**
 * Number candidates in a query, given the parts already claimed (prices, ratings, dates) and the categories the
 * query names.
 *
 * @example recogniseNumbers('65 inch tv', demoVocabulary, [], ['electronics/tv'])[0] // { field: 'attributes.screen_in', range: { gte: 65, lt: 66 }, ... }
 */
export function recogniseNumbers(query: string, vocab: Vocabulary, claimed: ReadonlyArray<{ start: number; end: number }>, categories: readonly string[]): Candidate[] {
  const taken = [...claimed];
  const free = (s: number, e: number) => !taken.some((c) => s < c.end && e > c.start);
  const out: Candidate[] = [];
  const accept = (p: Parsed) => {
    const c = candidateFor(query, p, vocab, categories);
    if (c && free(c.start, c.end)) {
      out.push(c);
      taken.push(c);
    }
  };
  for (const m of query.matchAll(RANGE)) {
    const [, lead, a, ua, b, ub] = m;
    // "2 to 4" without a unit or a "between" is not a size range; a unit on either side makes it one.
    const unit = ub ? unitOf(ub) : ua ? unitOf(ua) : undefined;
    if (!unit && !lead) continue;
    if (!free(m.index, m.index + m[0].length)) continue;
    const [lo, hi] = [parse(a!), parse(b!)].sort((x, y) => x - y);
    accept({ start: m.index, end: m.index + m[0].length, range: { lo: lo!, hi: hi! }, ...(unit ? { unit } : {}) });
  }
  for (const m of query.matchAll(SINGLE)) {
    const [whole, up, low, num, plus, unitWord, afterUp, afterDown] = m;
    const lead = whole.length - whole.trimStart().length;
    const start = m.index + lead;
    const end = m.index + whole.trimEnd().length;
    if (!free(start, end)) continue;
    const value = parse(num!);
    const unit = unitWord ? unitOf(unitWord) : undefined;
    const range: Parsed['range'] =
      up || afterDown ? { hi: value } : low || plus || afterUp ? { lo: value } : { exact: { value, step: 10 ** -decimals(num!) } };
    accept({ start, end, range, ...(unit ? { unit } : {}) });
  }
  return out;
}
