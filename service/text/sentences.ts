/**
 * Sentences with their offsets in the input, the unit for passages (max-over-passages scoring) and snippets.
 * `Intl.Segmenter` does the language work (decimals such as "4.5 stars", "e.g. the", CJK full stops, newlines as
 * boundaries); this module adds what a catalog needs on top: list bullets as boundaries, a few abbreviations ICU
 * breaks after ("e.g. Samsung"), and a length cap so no sentence is unbounded.
 */
import { segmentText } from './segment.ts';

export interface Sentence {
  text: string;
  /** Offsets into the input in UTF-16 code units: `input.slice(start, end) === text`. */
  start: number;
  end: number;
}

export interface SentenceOptions {
  /** Longer sentences are split on a word boundary so that no piece is longer than this (in code units). */
  maxChars?: number;
}

const BULLETS = '•▪◦‣●■□◆▸►⁃∙';
// Inline bullets split ("• quiet • cheap"); a line-leading marker ("- ", "* ", "1. ") is dropped from the text.
const INLINE_BULLET = new RegExp(`\\s[${BULLETS}](?=\\s)`, 'gu');
const LEADING_MARKER = new RegExp(`^(?:[${BULLETS}*·\\-–—]|\\(?(?:\\d{1,3}|[a-zA-Z])[.)])\\s+`, 'u');
const MARKER_ONLY = new RegExp(`^(?:[${BULLETS}*·\\-–—]|\\(?(?:\\d{1,3}|[a-zA-Z])[.)])$`, 'u');
// Nothing but punctuation and spaces ("---", "***") is layout, not a sentence; emoji-only text is kept.
const NO_CONTENT = /^[\p{P}\p{Z}\s]*$/u;
// ICU breaks after these when a capital follows ("e.g. Samsung"); they almost never end a sentence in product text.
const ABBREVIATION = /(?:^|[\s(])(?:e\.g|i\.e|cf|vs|approx|incl|esp|dr|mr|mrs|ms|prof|fig|ca|resp)\.$/i;

function* pieces(text: string, start: number, end: number, maxChars: number): Generator<Sentence> {
  // Trim whitespace and any leading list marker, then cap the length; offsets move with the trimming.
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  const marker = LEADING_MARKER.exec(text.slice(start, Math.min(end, start + 8)));
  if (marker) start += marker[0].length;
  if (start >= end) return;
  const trimmed = text.slice(start, end);
  if (NO_CONTENT.test(trimmed) || MARKER_ONLY.test(trimmed)) return;
  while (end - start > maxChars) {
    let cut = -1;
    for (let i = start + maxChars; i > start + maxChars / 2; i--) {
      if (/\s/.test(text[i]!)) {
        cut = i;
        break;
      }
    }
    if (cut < 0) {
      // No space (CJK, a long token): prefer a clause mark, else cut hard without splitting a surrogate pair.
      for (let i = start + maxChars - 1; i > start + maxChars / 2; i--) {
        if (/[,;:，、；：]/.test(text[i]!)) {
          cut = i + 1;
          break;
        }
      }
    }
    if (cut < 0) {
      cut = start + maxChars;
      const code = text.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
    }
    let pieceEnd = cut;
    while (pieceEnd > start && /\s/.test(text[pieceEnd - 1]!)) pieceEnd--;
    yield { text: text.slice(start, pieceEnd), start, end: pieceEnd };
    start = cut;
    while (start < end && /\s/.test(text[start]!)) start++;
  }
  if (start < end) yield { text: text.slice(start, end), start, end };
}

function* rawSentences(text: string): Generator<[number, number]> {
  let pendingStart = -1;
  for (const { segment, index } of segmentText(text, 'sentence')) {
    const start = pendingStart >= 0 ? pendingStart : index;
    const end = index + segment.length;
    // Merge across an abbreviation, but never across a line break: a newline is a boundary whatever precedes it.
    if (ABBREVIATION.test(segment.trimEnd()) && !/[\n\r\u2028\u2029]\s*$/.test(segment)) {
      pendingStart = start;
      continue;
    }
    pendingStart = -1;
    let from = start;
    for (const m of text.slice(start, end).matchAll(INLINE_BULLET)) {
      yield [from, start + m.index];
      from = start + m.index;
    }
    yield [from, end];
  }
  if (pendingStart >= 0) yield [pendingStart, text.length];
}

/**
 * Lazily yields the sentences of `text`, so a caller that needs only the first few (passages with a cap) does not
 * pay for a 1 MB input.
 *
 * @example
 *   for (const s of iterateSentences(manual)) if (s.text.includes('warranty')) return s;
 */
export function* iterateSentences(text: string, { maxChars = 300 }: SentenceOptions = {}): Generator<Sentence> {
  if (!(maxChars >= 16 && Number.isFinite(maxChars))) throw new RangeError(`maxChars must be >= 16, got ${maxChars}`);
  const cap = Math.floor(maxChars);
  for (const [start, end] of rawSentences(text)) yield* pieces(text, start, end, cap);
}

/**
 * Splits text into trimmed sentences with offsets into the input. Newlines and bullets are boundaries, decimals
 * and "e.g." are not, and a sentence longer than `maxChars` (default 300) is split on a word boundary.
 *
 * @example
 *   splitSentences('Rated 4.5 stars. Quiet, e.g. at night.\n- Ice maker')
 *   // [{ text: 'Rated 4.5 stars.', start: 0, end: 16 }, { text: 'Quiet, e.g. at night.', start: 17, end: 38 },
 *   //  { text: 'Ice maker', start: 41, end: 50 }]
 */
export function splitSentences(text: string, options: SentenceOptions = {}): Sentence[] {
  return Array.from(iterateSentences(text, options));
}
