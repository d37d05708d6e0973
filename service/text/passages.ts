/**
 * Passages: consecutive sentences grouped up to a word budget, so a long description, manual or review is encoded
 * as several passages (scored max-over-passages) instead of being silently truncated by the encoder. Callers pass
 * the whole text; the grouping, the splitting of over-long sentences and the cap on work all happen here.
 */
import { iterateSentences } from './sentences.ts';

export interface Passage {
  /** `input.slice(start, end)`: the original text, inner whitespace and newlines included. */
  text: string;
  start: number;
  end: number;
  /** Words of the passage's sentences (list markers between sentences, such as "1.", are not counted). */
  words: number;
}

export interface PassageOptions {
  /** Word budget per passage; an encoder's token limit is roughly 1.3 tokens per English word. */
  maxWords?: number;
  /** Sentences repeated at the start of the next passage, so an answer spanning a boundary is seen whole once. */
  overlapSentences?: number;
  /** Passages beyond this are not produced (and the input past them is not even segmented). */
  maxPassages?: number;
  /**
   * Character cap per passage (default 10 × maxWords), so text of few but very long "words" (URLs, part lists,
   * unbroken junk) cannot make a huge passage; sentences are split to at most min(300, maxChars) characters.
   */
  maxChars?: number;
}

export interface PassageResult {
  passages: Passage[];
  /** True when text was left over after `maxPassages` passages. */
  truncated: boolean;
}

// Han and kana are written without spaces, so each character counts as a word (about one token each for
// encoders); elsewhere a word is a run of non-spaces with a letter, digit or symbol in it, so "-" or "？" is not.
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}';
const WORD = new RegExp(`[${CJK}]|[^\\s${CJK}]*?(?![${CJK}])[\\p{L}\\p{N}\\p{S}][^\\s${CJK}]*`, 'gu');

/**
 * Counts words the way passages budget them: runs of non-spaces holding a letter, digit or symbol, and each Han or
 * kana character.
 *
 * @example countWords('Quiet fridge 静音冰箱') // 6
 */
export function countWords(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(WORD)) n++;
  return n;
}

interface Unit {
  start: number;
  end: number;
  words: number;
  /** The last piece of a sentence that was over the budget: the passage ends with it. */
  closes?: boolean;
}

function* units(text: string, maxWords: number, maxChars: number): Generator<Unit> {
  for (const s of iterateSentences(text, { maxChars })) {
    const words = Array.from(s.text.matchAll(WORD));
    if (words.length <= maxWords) {
      yield { start: s.start, end: s.end, words: words.length };
      continue;
    }
    // A sentence over the budget becomes passages of its own, cut between words.
    for (let i = 0; i < words.length; i += maxWords) {
      const chunk = words.slice(i, i + maxWords);
      const first = chunk[0]!;
      const last = chunk[chunk.length - 1]!;
      const end = s.start + last.index + last[0].length;
      yield { start: s.start + first.index, end, words: chunk.length, closes: i + maxWords >= words.length };
    }
  }
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

/**
 * Groups the sentences of `text` into passages of at most `maxWords` words (default 120), optionally overlapping
 * by `overlapSentences` sentences, producing at most `maxPassages` passages (default 32).
 *
 * @example
 *   const { passages, truncated } = makePassages(manual, { maxWords: 100, overlapSentences: 1 });
 *   passages[0]; // { text: 'Unpack the fridge. Let it stand for 4 hours. ...', start: 0, end: 512, words: 97 }
 */
export function makePassages(
  text: string,
  { maxWords = 120, overlapSentences = 0, maxPassages = 32, maxChars = 10 * maxWords }: PassageOptions = {},
): PassageResult {
  checkInteger('maxWords', maxWords, 1);
  checkInteger('overlapSentences', overlapSentences, 0);
  checkInteger('maxPassages', maxPassages, 1);
  checkInteger('maxChars', maxChars, 16);
  const fits = (units: readonly Unit[], next: Unit, words: number) =>
    words + next.words <= maxWords && (units.length === 0 || next.end - units[0]!.start <= maxChars);
  const passages: Passage[] = [];
  let current: Unit[] = [];
  let words = 0;
  // Units carried over as overlap were already emitted; a passage made only of them would be a duplicate.
  let fresh = 0;
  const emit = () => {
    const first = current[0]!;
    const last = current[current.length - 1]!;
    passages.push({ text: text.slice(first.start, last.end), start: first.start, end: last.end, words });
  };

  for (const unit of units(text, maxWords, Math.min(300, maxChars))) {
    if (fresh > 0 && (current[current.length - 1]!.closes || !fits(current, unit, words))) {
      if (passages.length === maxPassages) return { passages, truncated: true };
      emit();
      // Keep at most `overlapSentences` trailing units, and fewer if they would leave no room for the new one.
      current = current.slice(Math.max(current.length - overlapSentences, 0));
      words = current.reduce((sum, u) => sum + u.words, 0);
      while (current.length > 0 && !fits(current, unit, words)) words -= current.shift()!.words;
      fresh = 0;
    }
    current.push(unit);
    words += unit.words;
    fresh++;
  }
  if (fresh > 0) {
    if (passages.length === maxPassages) return { passages, truncated: true };
    emit();
  }
  return { passages, truncated: false };
}
