/**
 * Pseudo-queries from documents, without a language model: a compressed key sentence (the sentence densest in
 * rare terms, reduced to its rarer words), a title fragment, for products an attribute template
 * ("<brand> <type> under $<price>") and attribute combinations ("men navy blue shirts", judged exactly by the
 * catalog's own attributes), and harder variants for dev queries (`hardenQuery`: the rarest word and some others
 * dropped, the rest shuffled). Pure functions; the IDF table comes from the corpus itself.
 */
import { terms } from '../../service/features/lexical.ts';

export interface SynthDoc {
  id: string;
  title: string;
  text: string;
  brand?: string;
  category?: string;
  price?: number;
  /** String attributes (colour, gender, material, ...). */
  attributes?: Record<string, string>;
}

/** What a structured query asks for: every document with this category leaf and these attribute values is relevant. */
export interface QueryMatch {
  leaf: string;
  attributes: Record<string, string>;
}

export interface PseudoQuery {
  text: string;
  strategy: 'key-sentence' | 'title-fragment' | 'attributes' | 'attribute-combo';
  /** For structured queries: relevance is decided by the catalog's attributes, not by a teacher. */
  match?: QueryMatch;
}

export type Idf = (term: string) => number;

/**
 * Inverse document frequency over the corpus (smoothed: log((N + 1) / (df + 1)) + 1).
 *
 * @example const idf = idfOf(docs); idf('aspirin') > idf('study')
 */
export function idfOf(docs: readonly SynthDoc[]): Idf {
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(terms(`${d.title} ${d.text}`))) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return (t) => Math.log((n + 1) / ((df.get(t) ?? 0) + 1)) + 1;
}

const words = (s: string) => s.split(/\s+/).map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}%]+$/gu, '')).filter(Boolean);

/** Sentences of a text (a plain splitter: end punctuation followed by a capital or digit). */
export function sentencesOf(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[\p{Lu}\d])/u).map((s) => s.trim()).filter(Boolean);
}

/**
 * The sentence densest in rare terms (highest IDF mass per sqrt(term count), at least 5 terms), or null.
 *
 * @example keySentence(doc, idf) // 'Daily aspirin reduced colorectal adenoma recurrence ...'
 */
export function keySentence(doc: SynthDoc, idf: Idf): string | null {
  let best: { s: string; score: number } | null = null;
  for (const s of sentencesOf(doc.text)) {
    const ts = [...new Set(terms(s))];
    if (ts.length < 5) continue;
    const score = ts.reduce((a, t) => a + idf(t), 0) / Math.sqrt(ts.length);
    if (!best || score > best.score) best = { s, score };
  }
  return best?.s ?? null;
}

/**
 * The key sentence (highest IDF mass per sqrt(length) among sentences with at least 5 terms) cut down to its
 * `maxWords` rarest words, in their original order. `dropRarest` leaves out the very rarest ones first: a query
 * holding a document's unique terms is found by BM25 alone and teaches a head nothing about meaning.
 *
 * @example keySentenceQuery(doc, idf) // 'aspirin reduces colorectal adenoma recurrence'
 */
export function keySentenceQuery(doc: SynthDoc, idf: Idf, { maxWords = 9, dropRarest = 0 } = {}): string | null {
  const best = keySentence(doc, idf);
  if (!best) return null;
  const ws = words(best).filter((w) => terms(w).length > 0);
  const ranked = ws.map((w, i) => ({ i, w, v: idf(terms(w)[0]!) })).sort((a, b) => b.v - a.v || a.i - b.i).slice(dropRarest, dropRarest + maxWords);
  const kept = ranked.sort((a, b) => a.i - b.i).map((r) => r.w.toLowerCase());
  return kept.length >= 3 ? kept.join(' ') : null;
}

/**
 * A contiguous run of the title's content words (up to `maxWords`), starting where the rarest word can be kept.
 *
 * @example titleFragmentQuery({ title: 'Effect of aspirin on colorectal adenomas in a randomized trial', ... }, idf)
 */
export function titleFragmentQuery(doc: SynthDoc, idf: Idf, { maxWords = 6 } = {}): string | null {
  const ws = words(doc.title).filter((w) => terms(w).length > 0);
  if (ws.length < 2) return null;
  if (ws.length <= maxWords) return ws.join(' ').toLowerCase();
  let bestStart = 0;
  let bestScore = -Infinity;
  for (let s = 0; s + maxWords <= ws.length; s++) {
    const score = ws.slice(s, s + maxWords).reduce((a, w) => a + idf(terms(w)[0]!), 0);
    if (score > bestScore) [bestScore, bestStart] = [score, s];
  }
  return ws.slice(bestStart, bestStart + maxWords).join(' ').toLowerCase();
}

/** A price ceiling a shopper would type: the next 10/50/100/500... above the price. */
export function priceCeiling(price: number): number {
  const steps = [10, 20, 50, 100, 200, 300, 500, 1000, 1500, 2000, 3000, 5000, 10000];
  return steps.find((s) => s > price) ?? Math.ceil(price / 5000) * 5000 + 5000;
}

/**
 * "<brand> <type> under $<ceiling>" for a product with a brand or category and a price.
 *
 * @example attributeQuery({ id: 'f1', title: 'Quiet fridge', text: '', brand: 'Acme', category: 'appliances/fridges', price: 1299 }) // 'acme fridges under $1500'
 */
export function attributeQuery(doc: SynthDoc): string | null {
  const type = doc.category?.split('/').filter(Boolean).at(-1)?.replace(/[-_]/g, ' ') ?? '';
  if (!type && !doc.brand) return null;
  const head = [doc.brand, type || words(doc.title).at(-1)].filter(Boolean).join(' ').toLowerCase();
  return doc.price !== undefined ? `${head} under $${priceCeiling(doc.price)}` : head;
}

const leafOf = (category: string | undefined) => category?.split('/').filter(Boolean).at(-1) ?? '';

/** A Fisher-Yates shuffle (a copy) driven by the caller's seeded generator. */
function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A shopper's query from the product's category and one or two of its attribute values, in a shuffled order
 * ("navy blue men shirts"), with what it asks for: every product of that category with those values matches.
 *
 * @example attributeComboQuery({ id: 's', title: 'x', text: '', category: 'apparel/topwear/shirts', attributes: { gender: 'Men', colour: 'Navy Blue' } }, rand)
 */
export function attributeComboQuery(doc: SynthDoc, rand: () => number): { text: string; match: QueryMatch } | null {
  const leaf = leafOf(doc.category);
  const values = Object.entries(doc.attributes ?? {}).filter(([, v]) => v.trim() && v.trim().split(/\s+/).length <= 3);
  if (!leaf || values.length === 0) return null;
  const chosen = Object.fromEntries(shuffled(values, rand).slice(0, 1 + Math.floor(rand() * Math.min(2, values.length))));
  const parts = shuffled([...Object.values(chosen).map((v) => v.toLowerCase()), leaf.replace(/[-_]/g, ' ').toLowerCase()], rand);
  return { text: parts.join(' '), match: { leaf, attributes: chosen } };
}

/**
 * Whether a document has what a structured query asks for.
 *
 * @example matchesQuery(doc, { leaf: 'shirts', attributes: { gender: 'Men' } })
 */
export function matchesQuery(doc: SynthDoc | undefined, match: QueryMatch): boolean {
  if (!doc || leafOf(doc.category) !== match.leaf) return false;
  return Object.entries(match.attributes).every(([k, v]) => doc.attributes?.[k] === v);
}

/**
 * A harder variant of a query for dev: the rarest word (the one that names the source document alone) and a share
 * of the others dropped, the rest shuffled; at least `minWords` stay. Structured queries keep their words (what
 * they ask for must stay in the text) and are only shuffled.
 *
 * @example hardenQuery('daily aspirin reduced colorectal adenoma recurrence', idf, rand) // e.g. 'recurrence aspirin colorectal'
 */
export function hardenQuery(text: string, idf: Idf, rand: () => number, { keep = 0.6, minWords = 3, structured = false } = {}): string {
  const ws = text.split(/\s+/).filter(Boolean);
  if (structured || ws.length <= minWords) return shuffled(ws, rand).join(' ');
  const rarest = ws.map((w, i) => ({ i, v: idf(terms(w)[0] ?? w) })).sort((a, b) => b.v - a.v)[0]!.i;
  const rest = ws.filter((_, i) => i !== rarest);
  const target = Math.max(minWords, Math.round(ws.length * keep));
  return shuffled(rest, rand).slice(0, target).join(' ');
}

/**
 * Up to `perDoc` distinct pseudo-queries for a document, strategies in order of preference (products first try
 * attribute combinations and templates, texts the key sentence, then the title).
 *
 * @example pseudoQueries(doc, idf, { perDoc: 2 })
 */
export function pseudoQueries(doc: SynthDoc, idf: Idf, { perDoc = 1, dropRarest = 0, rand = Math.random } = {}): PseudoQuery[] {
  const order: Array<[PseudoQuery['strategy'], () => { text: string; match?: QueryMatch } | null]> = [
    ['attribute-combo', () => attributeComboQuery(doc, rand)],
    ['attributes', () => wrap(doc.price !== undefined || doc.brand ? attributeQuery(doc) : null)],
    ['key-sentence', () => wrap(keySentenceQuery(doc, idf, { dropRarest }))],
    ['title-fragment', () => wrap(titleFragmentQuery(doc, idf))],
  ];
  const out: PseudoQuery[] = [];
  for (const [strategy, make] of order) {
    if (out.length >= perDoc) break;
    const q = make();
    if (q && !out.some((x) => x.text === q.text)) out.push({ text: q.text, strategy, ...(q.match ? { match: q.match } : {}) });
  }
  return out;
}

const wrap = (text: string | null) => (text ? { text } : null);
