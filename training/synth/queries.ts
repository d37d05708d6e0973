/**
 * Pseudo-queries from documents, without a language model: a compressed key sentence (the sentence densest in
 * rare terms, reduced to its rarer words), a title fragment, and for products an attribute template
 * ("<brand> <type> under $<price>"). Pure functions; the IDF table comes from the corpus itself.
 */
import { terms } from '../../service/features/lexical.ts';

export interface SynthDoc {
  id: string;
  title: string;
  text: string;
  brand?: string;
  category?: string;
  price?: number;
}

export interface PseudoQuery {
  text: string;
  strategy: 'key-sentence' | 'title-fragment' | 'attributes';
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

/**
 * Up to `perDoc` distinct pseudo-queries for a document, strategies in order of preference (products first try
 * attributes, texts the key sentence, then the title).
 *
 * @example pseudoQueries(doc, idf, { perDoc: 2 })
 */
export function pseudoQueries(doc: SynthDoc, idf: Idf, { perDoc = 1, dropRarest = 0 } = {}): PseudoQuery[] {
  const order: Array<[PseudoQuery['strategy'], () => string | null]> = [
    ['attributes', () => (doc.price !== undefined || doc.brand ? attributeQuery(doc) : null)],
    ['key-sentence', () => keySentenceQuery(doc, idf, { dropRarest })],
    ['title-fragment', () => titleFragmentQuery(doc, idf)],
  ];
  const out: PseudoQuery[] = [];
  for (const [strategy, make] of order) {
    if (out.length >= perDoc) break;
    const text = make();
    if (text && !out.some((q) => q.text === text)) out.push({ text, strategy });
  }
  return out;
}
