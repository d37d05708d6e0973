/**
 * The text fields lexical features read, the same for a stored document, an inline object and an inline string.
 * A candidate without a title whose text starts with a short first line (a Cohere-style string "Title\nBody")
 * gets that line as its title, so title features are not silently 0 for strings that carry one.
 */
import type { CatalogDocument } from '../catalog/schema.ts';

export interface DocFields {
  title: string;
  /** Description and reviews (the body without the title). */
  body: string;
  brand: string;
  /** The category path with `/` as spaces. */
  category: string;
  /** String and number attribute values, space-joined (keys left out). */
  attributes: string;
}

/** A first line longer than this is a paragraph, not a title. */
const MAX_TITLE_WORDS = 24;

/**
 * The title and body of a document; an untitled text's first line becomes the title when it is short and more
 * text follows.
 *
 * @example docFields({ description: 'Aspirin and colon cancer\nA trial of ...' }).title // 'Aspirin and colon cancer'
 */
export function docFields(doc: Partial<CatalogDocument>): DocFields {
  let title = doc.title?.trim() ?? '';
  let description = doc.description ?? '';
  if (!title) {
    const cut = description.indexOf('\n');
    const first = cut > 0 ? description.slice(0, cut).trim() : '';
    if (first && description.slice(cut + 1).trim() && first.split(/\s+/).length <= MAX_TITLE_WORDS) {
      title = first;
      description = description.slice(cut + 1);
    }
  }
  const attributes = doc.attributes
    ? Object.values(doc.attributes)
        .filter((v) => typeof v !== 'boolean')
        .join(' ')
    : '';
  return {
    title,
    body: [description, ...(doc.reviews ?? [])].filter(Boolean).join('\n'),
    brand: doc.brand ?? '',
    category: (doc.category ?? '').replace(/\//g, ' '),
    attributes,
  };
}
