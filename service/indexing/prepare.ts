/**
 * Turns validated catalog documents into what is indexed: text fields cleaned of HTML/markdown, over-long
 * fields capped (and reported), and the text each encoder embeds.
 */
import type { CatalogDocument } from '../catalog/schema.ts';
import { cleanText, normalizeCategory } from '../catalog/clean.ts';

export interface PreparedDocument {
  doc: CatalogDocument;
  /** Fields that were longer than the cap and were cut. */
  truncated: string[];
}

/**
 * Cleans one document's text fields (title, description, brand, reviews) and caps their length; a category
 * written as breadcrumbs (`A > B`, `A / B`) becomes the catalog's path form (`A/B`).
 *
 * @example prepareDocument({ id: '1', title: '<b>Fridge</b>' }).doc.title // 'Fridge'
 */
export function prepareDocument(doc: CatalogDocument, { maxFieldChars = 100_000 } = {}): PreparedDocument {
  const truncated: string[] = [];
  const clean = (field: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const r = cleanText(value, { maxChars: maxFieldChars });
    if (r.truncated) truncated.push(field);
    return r.text;
  };
  const out: CatalogDocument = { ...doc, title: clean('title', doc.title) || doc.title.trim() };
  const description = clean('description', doc.description);
  if (description !== undefined) out.description = description;
  const brand = clean('brand', doc.brand);
  if (brand !== undefined) out.brand = brand;
  if (doc.category !== undefined) out.category = normalizeCategory(doc.category);
  if (doc.reviews) out.reviews = doc.reviews.map((r, i) => clean(`reviews.${i}`, r) ?? '');
  return { doc: out, truncated };
}

/**
 * The text a document-side text encoder embeds: title, brand and category lead (they carry the product's
 * identity), then the description.
 *
 * @example embeddingText({ id: '1', title: 'Fridge', brand: 'Acme' }) // 'Fridge\nAcme'
 */
export function embeddingText(doc: CatalogDocument): string {
  return [doc.title, doc.brand, doc.category?.replace(/\//g, ' '), doc.description].filter(Boolean).join('\n');
}
