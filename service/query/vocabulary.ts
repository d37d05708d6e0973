/**
 * Compiles vocabulary facts into lookups for the parser: every brand, category segment, keyword attribute
 * value, colour and boolean attribute name under its term key; numeric attributes with unit, range and values;
 * and what the catalog's own text says about each term. A term that also occurs as an ordinary word in other
 * products' text is marked ambiguous (it becomes a soft boost, never a hard filter), and title words that
 * almost only occur in one category or brand ("refrigerator", "macbook") become synonyms of it.
 */
import type { AttributeFacts, VocabularyFacts } from './facts.ts';
import { tokenize, termKey, STOPWORDS } from './tokens.ts';
import { buildFuzzyIndex, type FuzzyIndex } from './ngram.ts';
import { fieldUnit, unitOf, NUMBER_WORDS } from './units.ts';
import { canonicalColour, colourSpellings, isColourAttribute } from './colours.ts';

export type TermKind = 'brand' | 'category' | 'attribute' | 'colour';

export interface TermEntry {
  kind: TermKind;
  field: string;
  /** Brand: every spelling in the index (case variants); category: path prefixes; attributes: the value. */
  value: string | boolean | Array<string>;
  match: 'exact' | 'synonym' | 'partial' | 'phrase';
  confidence: number;
  ambiguous: boolean;
  /** What the UI shows: "Samsung", "fridges", "energy_class A". */
  label: string;
}

export interface NumericField {
  field: string;
  name: string;
  unit?: string;
  /** Term keys of the name's words without the unit ("screen", "place settings"). */
  nameKeys: string[];
  min: number;
  max: number;
  /** Distinct values (sorted), when the attribute has few. */
  values: number[];
  docs: number;
  categories: string[];
}

export interface Vocabulary {
  terms: Map<string, TermEntry[]>;
  /** Longest term in tokens. */
  maxTokens: number;
  /** Typo lookup over brand and category keys. */
  fuzzy: FuzzyIndex;
  numeric: NumericField[];
  /** Stems of words in the catalog's text: a word the catalog uses is never "corrected" as a typo. */
  knownWords: Set<string>;
  fields: VocabularyFacts['fields'];
  currencies: string[];
  docCount: number;
  /** Documents per category path (leaf paths as indexed). */
  categoryCounts: Map<string, number>;
  /** Keyword attributes used as context words ("energy class a"): name keys -> field. */
  attributeNames: Map<string, string>;
  /** Every filterable attribute field (`attributes.<name>`). */
  attributeFields: Set<string>;
  /** Category paths each brand has products in (from the sample). */
  brandCategories: Map<string, string[]>;
}

/** Padded stem string of a text, for phrase containment tests (" a b c "). */
const stemLine = (text: string) => ` ${tokenize(text).map((t) => t.stem).join(' ')} `;
const phraseOf = (text: string) => ` ${tokenize(text.replace(/_/g, ' ')).map((t) => t.stem).join(' ')} `;

interface Indexed {
  /** The title's stems: what a product is called is what tells ordinary words from terms (descriptions mention
   * other products: "switches between laptop and phone"). */
  line: string;
  brand?: string;
  category?: string;
  attributes: Record<string, unknown>;
}

/** Docs of the sample whose text contains `phrase`, and how many of them are outside the term's domain. */
function textSupport(sample: readonly Indexed[], phrase: string, inDomain: (d: Indexed) => boolean): { docs: number; outside: number } {
  let docs = 0;
  let outside = 0;
  for (const d of sample) {
    if (!d.line.includes(phrase)) continue;
    docs++;
    if (!inDomain(d)) outside++;
  }
  return { docs, outside };
}

/** An ordinary word elsewhere: at least 3 documents outside the term's domain use it, a fifth of all that do. */
const isAmbiguous = (s: { docs: number; outside: number }, share = 0.2) => s.outside >= 3 && s.outside / s.docs >= share;

function add(terms: Map<string, TermEntry[]>, key: string, entry: TermEntry): void {
  if (!key) return;
  const list = terms.get(key);
  if (!list) terms.set(key, [entry]);
  else if (!list.some((e) => e.field === entry.field && JSON.stringify(e.value) === JSON.stringify(entry.value))) list.push(entry);
}

/**
 * The paths a category word stands for: where one path named by the word lies under another also named by it
 * ("apparel/dress" and "apparel/dress/dresses"), the deeper one, which the word names exactly.
 */
function coverPaths(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)];
  return unique.filter((p) => !unique.some((q) => q !== p && q.startsWith(`${p}/`))).sort();
}

const inCategory = (paths: readonly string[]) => (d: Indexed) => !!d.category && paths.some((p) => d.category === p || d.category!.startsWith(`${p}/`));

function addBrands(facts: VocabularyFacts, sample: Indexed[], terms: Map<string, TermEntry[]>, fuzzyKeys: Set<string>): void {
  const byKey = new Map<string, string[]>();
  for (const { value } of facts.brands) {
    const key = termKey(value);
    // One-letter brands ("W") collide with units and initials.
    if (value.replace(/[^\p{L}\p{N}]/gu, '').length < 2 || !key) continue;
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(value);
  }
  for (const [key, spellings] of byKey) {
    const phrase = phraseOf(spellings[0]!);
    const own = new Set(spellings);
    const support = textSupport(sample, phrase, (d) => !!d.brand && own.has(d.brand));
    const stop = STOPWORDS.has(spellings[0]!.toLowerCase()) || /^\d+$/.test(key);
    const ambiguous = stop || isAmbiguous(support);
    add(terms, key, { kind: 'brand', field: 'brand', value: spellings, match: 'exact', confidence: ambiguous ? 0.5 : 0.95, ambiguous, label: spellings[0]! });
    if (!stop) fuzzyKeys.add(key);
  }
  // A distinctive word of a longer brand name ("benetton" of United Colors of Benetton) only boosts.
  const partials = new Map<string, string[]>();
  for (const [key, spellings] of byKey) {
    const words = tokenize(spellings[0]!);
    if (words.length < 2) continue;
    for (const w of words) if (w.norm.length >= 4 && !STOPWORDS.has(w.norm) && w.stem !== key) (partials.get(w.stem) ?? partials.set(w.stem, []).get(w.stem)!).push(...spellings);
  }
  for (const [k, spellings] of partials) {
    const owners = new Set(spellings.map((b) => termKey(b)));
    if (owners.size === 1 && !terms.has(k)) add(terms, k, { kind: 'brand', field: 'brand', value: spellings, match: 'partial', confidence: 0.6, ambiguous: true, label: spellings[0]! });
  }
}

function addCategories(facts: VocabularyFacts, sample: Indexed[], terms: Map<string, TermEntry[]>, fuzzyKeys: Set<string>): void {
  const bySegment = new Map<string, string[]>();
  for (const { value } of facts.categories) {
    const parts = value.split('/').filter(Boolean);
    parts.forEach((seg, i) => {
      const key = termKey(seg.replace(/-/g, ' '));
      if (key.length < 2) return;
      (bySegment.get(key) ?? bySegment.set(key, []).get(key)!).push(parts.slice(0, i + 1).join('/'));
    });
  }
  const words = new Map<string, Set<string>>();
  for (const [key, paths] of bySegment) {
    const cover = coverPaths(paths);
    const segment = cover[0]!.split('/').pop()!.replace(/-/g, ' ');
    const support = textSupport(sample, phraseOf(segment), inCategory(cover));
    const ambiguous = STOPWORDS.has(segment.toLowerCase()) || isAmbiguous(support);
    add(terms, key, { kind: 'category', field: 'category', value: cover, match: 'exact', confidence: ambiguous ? 0.5 : 0.9, ambiguous, label: segment });
    fuzzyKeys.add(key);
    const parts = tokenize(segment);
    if (parts.length > 1) for (const w of parts) if (w.norm.length >= 4 && !STOPWORDS.has(w.norm)) (words.get(w.stem) ?? words.set(w.stem, new Set()).get(w.stem)!).add(cover.join('|'));
  }
  // One word of a two-word category ("vacuum" of vacuum cleaners) stands for it when no other category has it.
  for (const [k, covers] of words) {
    if (covers.size !== 1 || bySegment.has(k)) continue;
    const cover = [...covers][0]!.split('|');
    add(terms, k, { kind: 'category', field: 'category', value: cover, match: 'partial', confidence: 0.75, ambiguous: false, label: cover[0]!.split('/').pop()!.replace(/-/g, ' ') });
  }
}

const isCode = (a: AttributeFacts) => a.otherValues > 0 || (a.docs >= 20 && a.values.length > 0.5 * a.docs);

function addKeywordAttribute(a: AttributeFacts, sample: Indexed[], terms: Map<string, TermEntry[]>, attributeNames: Map<string, string>): void {
  const field = `attributes.${a.name}`;
  const strings = a.values.map((v) => String(v.value));
  const colour = isColourAttribute(a.name, strings);
  const kind: TermKind = colour ? 'colour' : 'attribute';
  const nameKey = termKey(a.name);
  attributeNames.set(nameKey, field);
  const nameWords = tokenize(a.name.replace(/_/g, ' ')).map((t) => t.stem);
  const lastName = nameWords[nameWords.length - 1] ?? '';
  // Single tokens of multi-word values ("navy" of "Navy Blue"), kept when they point at one value only.
  const partials = new Map<string, string[]>();
  for (const value of strings) {
    const key = termKey(value);
    if (!key) continue;
    const phrase = phraseOf(value);
    const support = textSupport(sample, phrase, (d) => d.attributes[a.name] !== undefined && phraseOf(String(d.attributes[a.name])).includes(phrase));
    const short = value.trim().length === 1 || /^[a-z]{2}$/i.test(value.trim());
    // A colour word in another colour's title is mostly its second colour ("Black & Red"): only a majority counts.
    const ambiguous = STOPWORDS.has(value.toLowerCase()) || /^\d+$/.test(key) || isAmbiguous(support, colour ? 0.5 : 0.2);
    const label = `${a.name} ${value}`;
    // Values of one or two characters ("A", "8K" is fine) only count next to the attribute's name ("energy class A").
    if (!short) add(terms, key, { kind, field, value, match: 'exact', confidence: ambiguous ? 0.5 : 0.9, ambiguous, label });
    for (const k of [nameKey + key, key + nameKey, ...(lastName && lastName !== nameKey ? [lastName + key] : [])]) {
      add(terms, k, { kind, field, value, match: 'phrase', confidence: 0.95, ambiguous: false, label });
    }
    if (colour) {
      for (const variant of colourSpellings(value)) {
        const k = termKey(variant);
        if (k !== key) add(terms, k, { kind, field, value, match: 'exact', confidence: 0.85, ambiguous, label });
      }
    }
    const words = tokenize(value);
    // Shorter runs of a multi-word value ("navy" of Navy Blue, "ryzen 7" of AMD Ryzen 7).
    for (let i = 0; i < words.length; i++) {
      for (let j = i + 1; j <= words.length; j++) {
        if (j - i === words.length) continue;
        const run = words.slice(i, j);
        const k = run.length === 1 && colour ? termKey(canonicalColour(run[0]!.norm)) : run.map((w) => w.stem).join('');
        if (run.map((w) => w.norm).join('').length < 3 || (run.length === 1 && STOPWORDS.has(run[0]!.norm))) continue;
        (partials.get(k) ?? partials.set(k, []).get(k)!).push(value);
      }
    }
  }
  for (const [k, list] of partials) {
    if (terms.get(k)?.some((e) => e.field === field)) continue;
    const values = [...new Set(list)];
    const unique = values.length === 1;
    add(terms, k, { kind, field, value: unique ? values[0]! : values, match: 'partial', confidence: unique ? 0.75 : 0.5, ambiguous: !unique, label: `${a.name} ${values.join('|')}` });
  }
}

function addBooleanAttribute(a: AttributeFacts, sample: Indexed[], terms: Map<string, TermEntry[]>): void {
  const field = `attributes.${a.name}`;
  if (!a.values.some((v) => v.value === true)) return;
  const words = a.name.split(/[_\s-]+/).map((w) => (NUMBER_WORDS[w.toLowerCase()] !== undefined ? [w, String(NUMBER_WORDS[w.toLowerCase()])] : [w]));
  // "five_g" is also written "5g": every spelling of the name is a key.
  const spellings = words.reduce<string[]>((acc, alts) => acc.flatMap((p) => alts.map((w) => (p ? `${p} ${w}` : w))), ['']);
  const phrase = phraseOf(a.name);
  // An ordinary word when products without the attribute at all use it ("steam" of a coffee machine's steam wand).
  const support = textSupport(sample, phrase, (d) => d.attributes[a.name] !== undefined);
  const ambiguous = isAmbiguous(support) || STOPWORDS.has(termKey(a.name));
  for (const s of spellings) {
    add(terms, termKey(s), { kind: 'attribute', field, value: true, match: 'exact', confidence: ambiguous ? 0.5 : 0.85, ambiguous, label: a.name.replace(/_/g, ' ') });
  }
}

function numericField(a: AttributeFacts): NumericField | undefined {
  if (a.min === undefined || a.max === undefined) return undefined;
  const { unit, words } = fieldUnit(a.name);
  const nameKeys = [termKey(words.join(' '))].filter(Boolean);
  if (words.length > 1) nameKeys.push(...words.map((w) => termKey(w)).filter((k) => k.length >= 3 && !STOPWORDS.has(k)));
  const values = a.otherValues === 0 ? a.values.map((v) => Number(v.value)).filter(Number.isFinite).sort((x, y) => x - y) : [];
  return { field: `attributes.${a.name}`, name: a.name, ...(unit ? { unit } : {}), nameKeys, min: a.min, max: a.max, values, docs: a.docs, categories: a.categories };
}

/**
 * Title words that almost only occur in one category (or brand) stand for it: "refrigerator" for
 * appliances/kitchen/fridges, "macbook" for Apple. Strong ones (95 % precise, in 30 % of the category's titles)
 * can filter; the rest only boost.
 */
function mineSynonyms(facts: VocabularyFacts, sample: Indexed[], terms: Map<string, TermEntry[]>, reserved: Set<string>): void {
  const catCounts = new Map<string, number>();
  for (const d of sample) {
    if (!d.category) continue;
    const parts = d.category.split('/');
    for (let i = 1; i <= parts.length; i++) catCounts.set(parts.slice(0, i).join('/'), (catCounts.get(parts.slice(0, i).join('/')) ?? 0) + 1);
  }
  const stats = new Map<string, { n: number; cats: Map<string, number>; brands: Map<string, number>; docsTrue: Map<string, number>; pair?: [string, string] }>();
  for (const d of facts.sample) {
    const toks = tokenize(d.title).map((t) => t.stem);
    const keys = new Map<string, [string, string] | undefined>();
    toks.forEach((t, i) => {
      keys.set(t, undefined);
      if (i + 1 < toks.length) keys.set(t + toks[i + 1], [t, toks[i + 1]!]);
    });
    for (const [k, pair] of keys) {
      let s = stats.get(k);
      if (!s) stats.set(k, (s = { n: 0, cats: new Map(), brands: new Map(), docsTrue: new Map(), ...(pair ? { pair } : {}) }));
      s.n++;
      for (const [name, v] of Object.entries(d.attributes ?? {})) if (v === true) s.docsTrue.set(name, (s.docsTrue.get(name) ?? 0) + 1);
      if (d.category) {
        const parts = d.category.split('/');
        for (let i = 1; i <= parts.length; i++) s.cats.set(parts.slice(0, i).join('/'), (s.cats.get(parts.slice(0, i).join('/')) ?? 0) + 1);
      }
      if (d.brand) s.brands.set(d.brand, (s.brands.get(d.brand) ?? 0) + 1);
    }
  }
  const leaves = new Set(facts.categories.map((c) => c.value));
  // A word that only ever occurs inside one phrase counts as that phrase ("noise" and "cancelling").
  const swallowed = new Set<string>();
  for (const [k, s] of stats) if (s.pair && s.n >= 3 && !terms.has(k)) for (const w of s.pair) if (stats.get(w)?.n === s.n) swallowed.add(w);
  const booleans = facts.attributes.filter((a) => a.type === 'boolean');
  for (const [key, s] of stats) {
    if (s.n < 3 || key.length < 3 || /\d/.test(key) || STOPWORDS.has(key) || reserved.has(key) || unitOf(key)) continue;
    if (terms.get(key)?.length) continue;
    // A pair of words is only a synonym when neither word means something by itself ("oled tv" is OLED + tv).
    if (s.pair ? s.pair.some((w) => terms.has(w) || STOPWORDS.has(w)) : swallowed.has(key)) continue;
    // Title words that mark a yes/no attribute ("noise cancelling" for `anc`): in 95 % of titles with it, half of those with the attribute.
    const recall = (a: AttributeFacts) => (s.docsTrue.get(a.name) ?? 0) / (a.values.find((v) => v.value === true)?.count ?? Infinity);
    const flag = booleans
      .filter((a) => (s.docsTrue.get(a.name) ?? 0) / s.n >= 0.95 && recall(a) >= 0.5)
      .sort((a, b) => recall(b) - recall(a))[0];
    if (flag) {
      add(terms, key, { kind: 'attribute', field: `attributes.${flag.name}`, value: true, match: 'synonym', confidence: 0.8, ambiguous: false, label: flag.name.replace(/_/g, ' ') });
      continue;
    }
    if (s.n < 5) continue;
    let best: { path: string; n: number } | undefined;
    for (const [path, n] of s.cats) if (leaves.has(path) && n / s.n >= 0.9 && (!best || path.length > best.path.length)) best = { path, n };
    const coverage = best ? best.n / (catCounts.get(best.path) ?? best.n) : 0;
    const strong = !!best && best.n / s.n >= 0.95 && coverage >= 0.3;
    // A product line ("macbook", "pixel") is one brand's: when the word is not a strong category word, it names the brand.
    const brand = [...s.brands].find(([, n]) => n / s.n >= 0.95);
    if (brand && !strong) {
      add(terms, key, { kind: 'brand', field: 'brand', value: [brand[0]], match: 'synonym', confidence: 0.55, ambiguous: true, label: brand[0] });
      continue;
    }
    if (best) add(terms, key, { kind: 'category', field: 'category', value: [best.path], match: 'synonym', confidence: strong ? 0.8 : 0.55, ambiguous: !strong, label: best.path.split('/').pop()!.replace(/-/g, ' ') });
  }
}

function brandCategoriesOf(facts: VocabularyFacts): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const d of facts.sample) if (d.brand && d.category) (out.get(d.brand) ?? out.set(d.brand, new Set()).get(d.brand)!).add(d.category);
  return new Map([...out].map(([b, c]) => [b, [...c]]));
}

/**
 * Compiles facts into the parser's lookups.
 *
 * @example const vocabulary = compileVocabulary(factsFromDocuments(makeDemoCatalog()));
 */
export function compileVocabulary(facts: VocabularyFacts): Vocabulary {
  const sample: Indexed[] = facts.sample.map((d) => ({
    // The brand's own words in a title ("Red Tape ... Shoes") are a name, not a use of "red".
    line: stemLine(d.brand ? d.title.replace(new RegExp(d.brand.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), ' ') : d.title),
    ...(d.brand ? { brand: d.brand } : {}),
    ...(d.category ? { category: d.category } : {}),
    attributes: d.attributes ?? {},
  }));
  const terms = new Map<string, TermEntry[]>();
  const fuzzyKeys = new Set<string>();
  const attributeNames = new Map<string, string>();
  addBrands(facts, sample, terms, fuzzyKeys);
  addCategories(facts, sample, terms, fuzzyKeys);
  const numeric: NumericField[] = [];
  for (const a of facts.attributes) {
    if (a.type === 'keyword' && !isCode(a) && a.values.length >= 2) addKeywordAttribute(a, sample, terms, attributeNames);
    else if (a.type === 'boolean') addBooleanAttribute(a, sample, terms);
    else if (a.type === 'number') {
      const n = numericField(a);
      if (n) numeric.push(n);
    }
  }
  // Brand tokens are never synonyms of a category ("murcia" names a brand, not handbags).
  const reserved = new Set<string>(facts.brands.flatMap((b) => tokenize(b.value).map((t) => t.stem)));
  for (const n of numeric) for (const k of n.nameKeys) reserved.add(k);
  mineSynonyms(facts, sample, terms, reserved);
  let maxTokens = 1;
  for (const list of terms.values()) for (const e of list) maxTokens = Math.max(maxTokens, tokenize(e.label).length + 1);
  const knownWords = new Set<string>();
  for (const d of facts.sample) for (const t of tokenize(d.text)) knownWords.add(t.stem);
  return {
    terms,
    maxTokens: Math.min(maxTokens, 6),
    fuzzy: buildFuzzyIndex(fuzzyKeys),
    numeric,
    knownWords,
    fields: facts.fields,
    currencies: facts.currencies,
    docCount: facts.docCount,
    categoryCounts: new Map(facts.categories.map((c) => [c.value, c.count])),
    attributeNames,
    attributeFields: new Set(facts.attributes.map((a) => `attributes.${a.name}`)),
    brandCategories: brandCategoriesOf(facts),
  };
}
