/**
 * Inline rerank documents (Cohere style) turned into catalog documents. A string is the body. An object is
 * ranked on its `rank_fields`, `text` by default as Cohere does (`title`, when named, becomes the title); its
 * catalog fields (price, rating, release_date, ...) feed the metadata signals, and one of another type
 * (`"price": "cheap"`) is ignored with a warning instead of failing the call, since to a Cohere user it is only
 * metadata. An object whose ranked fields are all empty is refused, naming its position: scoring it would give a
 * silent near-zero score.
 */
import { CatalogDocumentSchema, type CatalogDocument } from '../../catalog/schema.ts';
import { cleanText, normalizeCategory } from '../../catalog/clean.ts';
import { strataError } from '../../errors.ts';

/** Cohere's default `rank_fields` for object documents. */
export const DEFAULT_RANK_FIELDS = ['text'] as const;

/** Catalog keys read as metadata from an object document (the text fields come from `rank_fields`). */
const METADATA_KEYS = Object.keys(CatalogDocumentSchema.shape).filter((k) => !['id', 'title', 'description'].includes(k)) as Array<
  Exclude<keyof typeof CatalogDocumentSchema.shape, 'id' | 'title' | 'description'>
>;

export interface InlineOptions {
  rankFields?: readonly string[] | undefined;
  maxChars: number;
  maxTokens?: number | undefined;
  /** Refuse an object whose ranked fields are all empty (off for the rescorer's fallback, which must not fail). */
  requireText?: boolean;
}

export interface InlineDocument {
  doc: Partial<CatalogDocument> & { id: string };
  truncated: boolean;
  /** Metadata keys ignored because of their type, e.g. `documents.1.price: expected number, received string`. */
  warnings: string[];
}

const asText = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) ? v.map(asText).join(' ') : v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/**
 * Turns one inline document into a catalog document.
 *
 * @example inlineDocument({ text: 'Quiet dishwasher', price: 'cheap' }, 3, { maxChars: 100000 }).warnings
 *   // ['documents.3.price: expected number, received string; ignored as metadata']
 */
export function inlineDocument(raw: string | Record<string, unknown>, position: number, options: InlineOptions): InlineDocument {
  const { rankFields = DEFAULT_RANK_FIELDS, maxChars, maxTokens, requireText = true } = options;
  let truncated = false;
  const clip = (text: string) => {
    const cleaned = cleanText(text, { maxChars });
    truncated ||= cleaned.truncated;
    if (!maxTokens) return cleaned.text;
    // About 0.75 words a token for English WordPiece: cut on a word boundary.
    const words = cleaned.text.split(/\s+/);
    const keep = Math.max(1, Math.floor(maxTokens * 0.75));
    if (words.length <= keep) return cleaned.text;
    truncated = true;
    return words.slice(0, keep).join(' ');
  };
  if (typeof raw === 'string') return { doc: { id: String(position), title: '', description: clip(raw) }, truncated, warnings: [] };

  const title = rankFields.includes('title') ? asText(raw.title) : '';
  const body = rankFields.filter((f) => f !== 'title').map((f) => asText(raw[f])).filter((t) => t.trim() !== '').join('\n');
  if (requireText && title.trim() === '' && body.trim() === '') {
    throw strataError(
      'validation',
      { summary: `documents.${position}: its ranked fields (${rankFields.join(', ')}) are all empty or missing; give it text or name its fields with rank_fields` },
      { issues: [{ path: `documents.${position}`, message: `no text in ${rankFields.join(', ')}` }] },
    );
  }
  const metadata: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const key of METADATA_KEYS) {
    if (!(key in raw)) continue;
    const parsed = CatalogDocumentSchema.shape[key].safeParse(raw[key]);
    if (parsed.success) metadata[key] = key === 'category' && typeof parsed.data === 'string' ? normalizeCategory(parsed.data) : parsed.data;
    else {
      const issue = parsed.error.issues[0]!;
      warnings.push(`documents.${[position, key, ...issue.path].join('.')}: ${issue.message}; ignored as metadata`);
    }
  }
  return {
    doc: { ...(metadata as Partial<CatalogDocument>), id: raw.id === undefined ? String(position) : String(raw.id), title: clip(title), description: clip(body) },
    truncated,
    warnings,
  };
}
