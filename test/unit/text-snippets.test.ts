import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../service/text/sentences.ts';
import { extractSnippets, highlightTerms, pickSnippets, type Snippet } from '../../service/text/snippets.ts';
import { normalizeTerm, queryTerms, wordTokens } from '../../service/text/terms.ts';

function expectConsistent(text: string, snippets: Snippet[]) {
  for (const s of snippets) {
    expect(text.slice(s.start, s.end)).toBe(s.text);
    for (const h of s.highlights) expect(h.end).toBeLessThanOrEqual(s.text.length);
  }
}

const marked = (text: string, highlights: Array<{ start: number; end: number }>) =>
  highlights.map((h) => text.slice(h.start, h.end));

describe('terms', () => {
  it('folds case, accents, possessives and plurals', () => {
    expect(['Fridges', 'fridge', "Fridge's", 'FRIDGES'].map(normalizeTerm)).toEqual(['fridge', 'fridge', 'fridge', 'fridge']);
    expect(['batteries', 'boxes', 'dishes', 'glasses', 'glass', 'status', 'Café'].map(normalizeTerm)).toEqual([
      'battery',
      'box',
      'dish',
      'glass',
      'glass',
      'status',
      'cafe',
    ]);
    // Codes and numbers are not de-pluralised.
    expect(['RF28R7351S', '100s', 'gas'].map(normalizeTerm)).toEqual(['rf28r7351s', '100s', 'gas']);
  });

  it('takes the distinct content words of a query', () => {
    expect(queryTerms('How loud are the fridges? Does this fridge have an ice maker')).toEqual(['loud', 'fridge', 'ice', 'maker']);
    expect(queryTerms('the and of')).toEqual([]);
    expect(queryTerms('')).toEqual([]);
  });

  it('tokenises with offsets, splitting CJK into words', () => {
    expect(wordTokens('Two fridges.')).toEqual([
      { term: 'two', start: 0, end: 3 },
      { term: 'fridge', start: 4, end: 11 },
    ]);
    expect(wordTokens('这款冰箱很好').map((t) => t.term)).toContain('冰箱');
  });
});

describe('highlightTerms', () => {
  it('marks query words in the text, matching plurals both ways', () => {
    const text = 'This fridge has an ice maker. Both Fridges are quiet.';
    const highlights = highlightTerms('fridges with ice maker', text);
    expect(highlights).toEqual([
      { start: 5, end: 11 },
      { start: 19, end: 22 },
      { start: 23, end: 28 },
      { start: 35, end: 42 },
    ]);
    expect(marked(text, highlights)).toEqual(['fridge', 'ice', 'maker', 'Fridges']);
  });

  it('does not mark stop words or parts of other words', () => {
    expect(highlightTerms('the ice', 'The iceberg and the ice.')).toEqual([{ start: 20, end: 23 }]);
    expect(highlightTerms('the', 'the the the')).toEqual([]);
  });

  it('works on CJK and emoji text and on empty input', () => {
    const text = '这款冰箱很好,噪音很小 😍';
    expect(marked(text, highlightTerms('冰箱', text))).toEqual(['冰箱']);
    expect(highlightTerms('', 'anything')).toEqual([]);
    expect(highlightTerms('fridge', '')).toEqual([]);
    expect(highlightTerms('😍', '😍😍')).toEqual([]);
  });
});

// A seeded 5,000-word manual in which each filler sentence uses at most one of the query's words.
function manual(answer: string): { text: string; answerStart: number } {
  let seed = 11;
  const rand = () => ((seed = (seed * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32);
  const filler = 'door shelf drawer light seal hinge handle panel filter water drain vent coil temperature setting display button clean gently check the a of in with'.split(' ');
  const queryWords = ['fridge', 'warranty', 'compressor', 'covers'];
  const sentences: string[] = [];
  let words = 0;
  let answerStart = -1;
  let length = 0;
  while (words < 5000) {
    if (answerStart < 0 && words >= 2500) {
      answerStart = length;
      sentences.push(answer);
      length += answer.length + 1;
      words += answer.split(' ').length;
      continue;
    }
    const n = 8 + Math.floor(rand() * 12);
    const ws = Array.from({ length: n }, () => filler[Math.floor(rand() * filler.length)]!);
    if (rand() < 0.4) ws[Math.floor(rand() * n)] = queryWords[Math.floor(rand() * queryWords.length)]!;
    const s = ws.join(' ').replace(/^./, (c) => c.toUpperCase()) + '.';
    sentences.push(s);
    length += s.length + 1;
    words += n;
  }
  return { text: sentences.join(' '), answerStart };
}

describe('extractSnippets', () => {
  const answer = 'The fridge warranty covers the sealed compressor for ten years.';
  const { text, answerStart } = manual(answer);

  it('finds the answer sentence in the middle of a 5,000-word manual', () => {
    expect(text.split(' ').length).toBeGreaterThanOrEqual(5000);
    const [best, ...rest] = extractSnippets('What does the warranty cover on fridges with a compressor?', text, { count: 1 });
    expect(rest).toEqual([]);
    expect(best).toMatchObject({ text: answer, start: answerStart, end: answerStart + answer.length });
    expect(best!.score).toBeCloseTo(0.4, 12);
    expect(marked(best!.text, best!.highlights)).toEqual(['fridge', 'warranty', 'covers', 'compressor']);
  });

  it('returns the top sentences in document order', () => {
    const review = 'Setup was easy. The ice maker is slow. Shipping took a week. The ice maker is loud at night.';
    const snippets = extractSnippets('loud ice maker', review, { count: 2 });
    expect(snippets.map((s) => s.text)).toEqual(['The ice maker is slow.', 'The ice maker is loud at night.']);
    expect(snippets[1]!.score).toBeGreaterThan(snippets[0]!.score);
    expectConsistent(review, snippets);
    expect(extractSnippets('loud ice maker', review, { count: 1 }).map((s) => s.text)).toEqual(['The ice maker is loud at night.']);
  });

  it('combines 0.6 x similarity and 0.4 x term overlap', () => {
    const review = 'It hums all night long. The ice maker works. Delivery was fast.';
    const similarity = (sentences: string[]) => {
      expect(sentences).toEqual(['It hums all night long.', 'The ice maker works.', 'Delivery was fast.']);
      return [0.9, 0.2, 0.1];
    };
    // "hums" shares no word with the query, but the encoder says it answers it.
    const snippets = extractSnippets('is the ice maker noisy', review, { count: 1, similarity });
    expect(snippets.map((s) => s.text)).toEqual(['It hums all night long.']);
    expect(snippets[0]!.score).toBeCloseTo(0.54, 12);
    const both = extractSnippets('is the ice maker noisy', review, { count: 3, similarity });
    expect(both.map((s) => s.score)).toEqual([0.6 * 0.9, 0.6 * 0.2 + 0.4 * (2 / 3), 0.6 * 0.1]);
  });

  it('clamps negative and non-finite similarities and checks their count', () => {
    const sentences = splitSentences('Quiet fridge. Loud fan.');
    expect(pickSnippets('fridge', sentences, { similarities: [-0.8, Number.NaN] }).map((s) => s.score)).toEqual([0.4]);
    expect(() => pickSnippets('fridge', sentences, { similarities: [0.5] })).toThrow(/1 values for 2 sentences/);
    expect(() => extractSnippets('fridge', 'One. Two. Three.', { similarity: () => [] })).toThrow(RangeError);
  });

  it('returns nothing when nothing matches, and handles empty, emoji and CJK text', () => {
    expect(extractSnippets('dishwasher', 'The fridge is quiet.')).toEqual([]);
    expect(extractSnippets('', 'The fridge is quiet.')).toEqual([]);
    expect(extractSnippets('fridge', '')).toEqual([]);
    expect(extractSnippets('fridge', '😍😍😍 👍')).toEqual([]);
    const cjk = '这款冰箱很好。噪音很小！值得购买吗？';
    const [snippet] = extractSnippets('冰箱', cjk);
    expect(snippet).toMatchObject({ text: '这款冰箱很好。', start: 0 });
    expect(marked(snippet!.text, snippet!.highlights)).toEqual(['冰箱']);
  });

  it('keeps snippets within maxChars', () => {
    const long = Array.from({ length: 120 }, (_, i) => (i === 90 ? 'compressor' : `word${i}`)).join(' ') + '.';
    const [snippet] = extractSnippets('compressor', long, { maxChars: 120 });
    expect(snippet!.text.length).toBeLessThanOrEqual(120);
    expect(marked(snippet!.text, snippet!.highlights)).toEqual(['compressor']);
    expectConsistent(long, [snippet!]);
  });

  it('finishes on a 1 MB input and only considers maxSentences sentences', () => {
    const big = 'This compact fridge keeps drinks cold and runs quietly at night. '.repeat(16_000) + 'Warranty: ten years.';
    const first = extractSnippets('quiet fridge', big, { count: 2 });
    expect(first.map((s) => s.start)).toEqual([0, 65]);
    // The last sentence is number 16,001: past the default cap of 10,000, within a raised one.
    expect(extractSnippets('warranty', big)).toEqual([]);
    expect(extractSnippets('warranty', big, { maxSentences: 20_000 }).map((s) => s.text)).toEqual(['Warranty: ten years.']);
    expect(extractSnippets('nothing here', 'z'.repeat(1_000_000))).toEqual([]);
  });
});
