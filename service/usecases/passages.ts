/**
 * The passages of a document's long text (description, then reviews), split on sentence boundaries so the
 * caller never has to chunk documents by hand.
 */
import type { CatalogDocument } from '../catalog/schema.ts';
import { makePassages } from '../text/passages.ts';

/** Words beyond which a body is split into passages (MiniLM reads 256 tokens, about 180 words). */
export const PASSAGE_WORDS = 120;

/**
 * Passages of the body text; a short body gives one passage (or none when empty).
 *
 * @example documentPassages({ description: longText }).length // > 1 for a long manual
 */
export function documentPassages(doc: Partial<CatalogDocument>, { maxWords = PASSAGE_WORDS, maxPassages = 32 } = {}): Array<{ text: string }> {
  const body = [doc.description, ...(doc.reviews ?? [])].filter(Boolean).join('\n');
  if (!body.trim()) return [];
  return makePassages(body, { maxWords, maxPassages }).passages;
}
