import { describe, expect, it } from 'vitest';
import { segmentText } from '../../service/text/segment.ts';
import { iterateSentences, splitSentences, type Sentence } from '../../service/text/sentences.ts';

const texts = (input: string) => splitSentences(input).map((s) => s.text);

function expectOffsets(input: string, sentences: Sentence[]) {
  let previousEnd = 0;
  for (const s of sentences) {
    expect(input.slice(s.start, s.end)).toBe(s.text);
    expect(s.text).toBe(s.text.trim());
    expect(s.start).toBeGreaterThanOrEqual(previousEnd);
    previousEnd = s.end;
  }
}

describe('splitSentences', () => {
  it('splits on sentence ends with offsets into the input', () => {
    const input = '  Rated 4.5 stars. Quiet, e.g. at night.\n- Ice maker';
    expect(splitSentences(input)).toEqual([
      { text: 'Rated 4.5 stars.', start: 2, end: 18 },
      { text: 'Quiet, e.g. at night.', start: 19, end: 40 },
      { text: 'Ice maker', start: 43, end: 52 },
    ]);
  });

  it('keeps decimals, prices, "e.g." and common abbreviations inside a sentence', () => {
    expect(texts('Great fridge, e.g. the ice maker works. Rated 4.5 stars by 200 users! Costs $4.99. Is it quiet? Yes.')).toEqual([
      'Great fridge, e.g. the ice maker works.',
      'Rated 4.5 stars by 200 users!',
      'Costs $4.99.',
      'Is it quiet?',
      'Yes.',
    ]);
    expect(texts('Compare e.g. Samsung and LG. Dr. Smith liked it. See Fig. 3 for details. U.S. model only.')).toEqual([
      'Compare e.g. Samsung and LG.',
      'Dr. Smith liked it.',
      'See Fig. 3 for details.',
      'U.S. model only.',
    ]);
  });

  it('treats newlines and bullets as boundaries and drops list markers', () => {
    const input = 'Features:\n- Ice maker\n* Water dispenser\n1. Open the door. 2. Remove the shelf.\n• quiet • cheap\n---\nEnd';
    const sentences = splitSentences(input);
    expect(sentences.map((s) => s.text)).toEqual([
      'Features:',
      'Ice maker',
      'Water dispenser',
      'Open the door.',
      'Remove the shelf.',
      'quiet',
      'cheap',
      'End',
    ]);
    expectOffsets(input, sentences);
  });

  it('does not merge across a line break after an abbreviation', () => {
    expect(texts('Made by Dr.\nNext line')).toEqual(['Made by Dr.', 'Next line']);
  });

  it('splits over-long sentences on word boundaries so nothing exceeds maxChars', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`);
    const input = words.join(' ') + '.';
    const sentences = splitSentences(input);
    expect(sentences.length).toBeGreaterThan(5);
    expectOffsets(input, sentences);
    for (const s of sentences) {
      expect(s.text.length).toBeLessThanOrEqual(300);
      expect(s.text.length).toBeGreaterThan(150);
      // Cut between words: the character after each piece is a space or the end.
      expect([' ', undefined]).toContain(input[s.end]);
    }
    expect(sentences.map((s) => s.text).join(' ')).toBe(input);
    expect(splitSentences(input, { maxChars: 50 }).every((s) => s.text.length <= 50)).toBe(true);
  });

  it('handles CJK, emoji and text without any spaces', () => {
    expect(texts('这款冰箱很好。噪音很小！值得购买吗？是的。')).toEqual(['这款冰箱很好。', '噪音很小！', '值得购买吗？', '是的。']);
    expect(texts('Love it 😍😍. Works great 👍 really. 😍')).toEqual(['Love it 😍😍.', 'Works great 👍 really.', '😍']);
    const han = '冰'.repeat(700);
    expect(splitSentences(han).map((s) => s.text.length)).toEqual([300, 300, 100]);
    // A hard cut never splits an emoji's surrogate pair.
    const emoji = splitSentences('😍'.repeat(400));
    expect(emoji.every((s) => s.text.length % 2 === 0 && !s.text.includes('\uFFFD'))).toBe(true);
    expect(emoji.reduce((n, s) => n + s.text.length, 0)).toBe(800);
  });

  it('returns nothing for empty or blank input', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences('   \n\n\t ')).toEqual([]);
    expect(splitSentences('--- *** ...')).toEqual([]);
  });

  it('rejects a maxChars too small to hold a word', () => {
    expect(() => splitSentences('a', { maxChars: 3 })).toThrow(RangeError);
  });

  it('handles 1 MB inputs with bounded pieces and nothing lost', () => {
    const sentence = 'This compact fridge keeps drinks cold and runs quietly at night. ';
    const prose = sentence.repeat(Math.ceil(1_000_000 / sentence.length));
    const proseOut = splitSentences(prose);
    expect(proseOut).toHaveLength(Math.ceil(1_000_000 / sentence.length));
    expectOffsets(prose, proseOut.slice(0, 50));
    expectOffsets(prose, proseOut.slice(-50));

    const unbroken = 'a'.repeat(1_000_000);
    const pieces = splitSentences(unbroken);
    expect(pieces.every((s) => s.text.length <= 300)).toBe(true);
    expect(pieces.reduce((n, s) => n + s.text.length, 0)).toBe(1_000_000);
  });

  it('is lazy: taking the first sentence of a huge input does not segment all of it', () => {
    const it = iterateSentences('First sentence here. ' + 'More text follows. '.repeat(200_000));
    expect(it.next().value).toEqual({ text: 'First sentence here.', start: 0, end: 20 });
  });
});

describe('segmentText (windowed Intl.Segmenter)', () => {
  const parts = [
    'The fridge is quiet.',
    'Rated 4.5 stars, e.g. by 200 owners!',
    'Is the ice maker loud?',
    '这款冰箱很好。',
    'Love it 😍.',
    'Line one\nLine two',
  ];
  let seed = 7;
  const rand = () => ((seed = (seed * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32);
  const input = Array.from({ length: 300 }, () => parts[Math.floor(rand() * parts.length)]).join(' ');

  it.each(['sentence', 'word'] as const)('gives the same %s boundaries as one unwindowed pass', (granularity) => {
    const reference = Array.from(new Intl.Segmenter(undefined, { granularity }).segment(input), (s) => [s.index, s.segment]);
    // Many window sizes, so window edges land inside "4.5", "e.g.", emoji, CJK words and line breaks.
    for (const window of [64, 65, 67, 71, 79, 83, 97, 100, 101, 128, 129, 257, 509, 2048]) {
      const windowed = Array.from(segmentText(input, granularity, { window }), (s) => [s.index, s.segment]);
      expect(windowed, `window ${window}`).toEqual(reference);
    }
  });

  it('cuts a run longer than the window at whitespace and keeps offsets exact', () => {
    const run = 'abc '.repeat(100);
    const segs = Array.from(segmentText(run, 'sentence', { window: 64 }));
    expect(segs.map((s) => s.segment).join('')).toBe(run);
    expect(segs.every((s) => s.segment.length <= 64 && run.slice(s.index, s.index + s.segment.length) === s.segment)).toBe(true);
  });
});
