/** Inline rerank documents: Cohere's `text` default, rank_fields, metadata warnings, and empty objects refused. */
import { describe, expect, it } from 'vitest';
import { inlineDocument } from '../../service/app/routes/rerank-documents.ts';

const opts = { maxChars: 100_000 };

describe('inlineDocument', () => {
  it('ranks an object on its text field by default, and on rank_fields in order when given', () => {
    const raw = { title: 'Dishwasher', text: 'Runs at 42 dB', author: 'Acme' };
    expect(inlineDocument(raw, 0, opts).doc).toMatchObject({ title: '', description: 'Runs at 42 dB' });
    expect(inlineDocument(raw, 0, { ...opts, rankFields: ['title', 'author', 'text'] }).doc).toMatchObject({ title: 'Dishwasher', description: 'Acme\nRuns at 42 dB' });
    expect(inlineDocument('plain text', 4, opts).doc).toEqual({ id: '4', title: '', description: 'plain text' });
  });

  it('keeps valid catalog metadata and ignores the rest with a warning naming the field', () => {
    const { doc, warnings } = inlineDocument({ id: 7, text: 'x', price: 'cheap', rating: 4.5, release_date: '2024-13-45', attributes: { color: ['red'] } }, 2, opts);
    expect(doc).toMatchObject({ id: '7', rating: 4.5 });
    expect(doc).not.toHaveProperty('price');
    expect(doc).not.toHaveProperty('release_date');
    expect(warnings).toEqual([
      expect.stringMatching(/^documents\.2\.price: .*expected number.*; ignored as metadata$/),
      expect.stringMatching(/^documents\.2\.release_date: expected an ISO date/),
      expect.stringMatching(/^documents\.2\.attributes\.color: /),
    ]);
  });

  it('refuses an object whose ranked fields are all empty, naming its position, unless told not to', () => {
    expect(() => inlineDocument({ title: 'only a title', text: ' ' }, 3, opts)).toThrow(/documents\.3: its ranked fields \(text\) are all empty or missing/);
    expect(() => inlineDocument({ text: 'x' }, 0, { ...opts, rankFields: ['body'] })).toThrow(/documents\.0: its ranked fields \(body\)/);
    expect(inlineDocument({ title: 'only a title' }, 3, { ...opts, requireText: false }).doc.description).toBe('');
  });

  it('cuts long documents at max_tokens and says so', () => {
    const { doc, truncated } = inlineDocument({ text: 'word '.repeat(500) }, 0, { ...opts, maxTokens: 100 });
    expect(truncated).toBe(true);
    expect(doc.description!.split(' ')).toHaveLength(75);
  });
});
