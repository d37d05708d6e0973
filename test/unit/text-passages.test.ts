import { describe, expect, it } from 'vitest';
import { countWords, makePassages, type Passage } from '../../service/text/passages.ts';
import { splitSentences } from '../../service/text/sentences.ts';

// Sentences of known length: "S<i> w w ... w." with `n` words in total.
function sentence(i: number, n: number): string {
  return [`S${i}`, ...Array.from({ length: n - 1 }, () => 'w')].join(' ') + '.';
}

function expectWellFormed(input: string, passages: Passage[], maxWords: number) {
  for (const p of passages) {
    expect(input.slice(p.start, p.end)).toBe(p.text);
    expect(p.words).toBe(countWords(p.text));
    expect(p.words).toBeLessThanOrEqual(maxWords);
    expect(p.words).toBeGreaterThan(0);
  }
}

describe('countWords', () => {
  it('counts space-separated words and each Han or kana character', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('  Quiet   fridge, 4.5 stars ')).toBe(4);
    expect(countWords('Quiet fridge 静音冰箱')).toBe(6);
    expect(countWords('ひらがな')).toBe(4);
    // Punctuation alone is not a word: list markers, dashes and CJK full stops do not eat the budget.
    expect(countWords('- Ice maker — quiet 值得购买吗？')).toBe(8);
  });
});

describe('makePassages', () => {
  it('groups consecutive sentences up to maxWords, at sentence boundaries', () => {
    const input = [sentence(0, 50), sentence(1, 50), sentence(2, 50), sentence(3, 10)].join(' ');
    const { passages, truncated } = makePassages(input, { maxWords: 120 });
    expect(truncated).toBe(false);
    expect(passages.map((p) => p.words)).toEqual([100, 60]);
    expect(passages[0]!.text.startsWith('S0 ')).toBe(true);
    expect(passages[1]!.text.startsWith('S2 ')).toBe(true);
    expect(passages[1]!.end).toBe(input.length);
    expectWellFormed(input, passages, 120);
  });

  it('covers every word exactly once without overlap', () => {
    const input = Array.from({ length: 40 }, (_, i) => sentence(i, 3 + ((i * 7) % 20))).join('\n');
    const { passages } = makePassages(input, { maxWords: 30, maxPassages: 1000 });
    expectWellFormed(input, passages, 30);
    expect(passages.reduce((n, p) => n + p.words, 0)).toBe(countWords(input));
    for (let i = 1; i < passages.length; i++) expect(passages[i]!.start).toBeGreaterThan(passages[i - 1]!.end);
  });

  it('turns a sentence longer than maxWords into passages of its own', () => {
    const input = [sentence(0, 5), sentence(1, 25), sentence(2, 5)].join(' ');
    const { passages } = makePassages(input, { maxWords: 10 });
    expect(passages.map((p) => p.words)).toEqual([5, 10, 10, 5, 5]);
    expect(passages[1]!.text.startsWith('S1 ')).toBe(true);
    expectWellFormed(input, passages, 10);
  });

  it('repeats the last sentences of a passage at the start of the next with overlapSentences', () => {
    const sentences = Array.from({ length: 6 }, (_, i) => sentence(i, 10));
    const input = sentences.join(' ');
    const { passages } = makePassages(input, { maxWords: 30, overlapSentences: 1 });
    expect(passages.map((p) => p.text.split('.').filter((s) => s.trim()).map((s) => s.trim().split(' ')[0]))).toEqual([
      ['S0', 'S1', 'S2'],
      ['S2', 'S3', 'S4'],
      ['S4', 'S5'],
    ]);
    expectWellFormed(input, passages, 30);
  });

  it('drops overlap that would not leave room for the next sentence, and always makes progress', () => {
    const input = [sentence(0, 9), sentence(1, 9), sentence(2, 9)].join(' ');
    const { passages } = makePassages(input, { maxWords: 10, overlapSentences: 3 });
    expect(passages.map((p) => p.text.slice(0, 2))).toEqual(['S0', 'S1', 'S2']);
  });

  it('stops after maxPassages and says so', () => {
    const input = Array.from({ length: 10 }, (_, i) => sentence(i, 10)).join(' ');
    expect(makePassages(input, { maxWords: 10, maxPassages: 3 })).toMatchObject({ truncated: true });
    expect(makePassages(input, { maxWords: 10, maxPassages: 3 }).passages).toHaveLength(3);
    expect(makePassages(input, { maxWords: 10, maxPassages: 10 })).toMatchObject({ truncated: false });
    expect(makePassages(input, { maxWords: 10, maxPassages: 10 }).passages).toHaveLength(10);
  });

  it('defaults to 120 words and 32 passages', () => {
    const input = Array.from({ length: 100 }, (_, i) => sentence(i, 60)).join(' ');
    const { passages, truncated } = makePassages(input);
    expect(passages).toHaveLength(32);
    expect(passages.every((p) => p.words === 120)).toBe(true);
    expect(truncated).toBe(true);
  });

  it('handles empty, emoji and CJK text', () => {
    expect(makePassages('')).toEqual({ passages: [], truncated: false });
    expect(makePassages(' \n ')).toEqual({ passages: [], truncated: false });
    expect(makePassages('Love it 😍😍. 👍').passages.map((p) => p.text)).toEqual(['Love it 😍😍. 👍']);
    const cjk = '这款冰箱很好。噪音很小！值得购买吗？是的。';
    const { passages } = makePassages(cjk, { maxWords: 8 });
    expect(passages.map((p) => p.text)).toEqual(['这款冰箱很好。', '噪音很小！', '值得购买吗？是的。']);
  });

  it('only segments as much of a 1 MB input as the passages need', () => {
    const input = 'This compact fridge keeps drinks cold and runs quietly at night. '.repeat(16_000);
    const { passages, truncated } = makePassages(input);
    expect(passages).toHaveLength(32);
    expect(truncated).toBe(true);
    expect(passages[31]!.end).toBeLessThan(50_000);
    // Few but enormous "words": the character cap (10 x maxWords by default) still bounds each passage.
    const unbroken = makePassages('x'.repeat(1_000_000), { maxPassages: 5 });
    expect(unbroken.passages).toHaveLength(5);
    expect(unbroken.passages.every((p) => p.text.length <= 1200 && p.text.length > 900)).toBe(true);
    expect(unbroken.truncated).toBe(true);
    expect(makePassages('ab '.repeat(500), { maxChars: 100 }).passages.every((p) => p.text.length <= 100)).toBe(true);
  });

  it('agrees with splitSentences on boundaries', () => {
    const input = 'Unpack the fridge. Let it stand for 4 hours, e.g. overnight.\n- Plug it in.';
    const { passages } = makePassages(input, { maxWords: 1000 });
    const sentences = splitSentences(input);
    expect(passages).toEqual([{ text: input.slice(0, sentences[2]!.end), start: 0, end: input.length, words: 14 }]);
    expect(countWords(input)).toBe(14);
  });

  it('rejects invalid options', () => {
    expect(() => makePassages('a', { maxWords: 0 })).toThrow(RangeError);
    expect(() => makePassages('a', { maxWords: 1.5 })).toThrow(RangeError);
    expect(() => makePassages('a', { overlapSentences: -1 })).toThrow(RangeError);
    expect(() => makePassages('a', { maxPassages: 0 })).toThrow(RangeError);
    expect(() => makePassages('a', { maxChars: 4 })).toThrow(RangeError);
  });
});
