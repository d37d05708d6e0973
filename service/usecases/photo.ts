/**
 * A product's photo for the web page when the catalog names a local file (a URL the browser loads itself): read
 * from the document's `image` field, decoded and resized by sharp to a small JPEG. Only files that decode as
 * images are served, and only thumbnails, so the route never hands out arbitrary bytes.
 */
import type { Client } from '@elastic/elasticsearch';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { esCall } from '../es/client.ts';
import { strataError } from '../errors.ts';

/** Longest side of a thumbnail in pixels: cards show photos at ~160 px, twice that for dense screens. */
const THUMB_PX = 320;

/**
 * Where a document's photo lives: `{ url }` for http(s) and data URLs, `{ file }` for absolute paths and file:
 * URLs, null otherwise (a relative path was resolved against the catalog file at indexing; the service cannot
 * know that folder).
 *
 * @example photoSource('/data/img/7.jpg') // { file: '/data/img/7.jpg' }
 */
export function photoSource(image: unknown): { url: string } | { file: string } | null {
  if (typeof image !== 'string' || image.trim() === '') return null;
  const s = image.trim();
  if (/^(https?:|data:image\/)/i.test(s)) return { url: s };
  if (/^file:/i.test(s)) return { file: fileURLToPath(s) };
  return path.isAbsolute(s) ? { file: s } : null;
}

/**
 * The thumbnail of document `id`'s photo in `index`, as JPEG bytes; 404 when the document has no local photo or
 * the file does not decode.
 *
 * @example const jpeg = await photoThumbnail(es, 'fashion', '15970');
 */
export async function photoThumbnail(client: Client, index: string, id: string): Promise<Buffer> {
  const res = await esCall(client, (c) => c.search<{ image?: unknown }>({ index, size: 1, query: { ids: { values: [id] } }, _source: ['image'] }));
  const hit = res.hits.hits[0];
  if (!hit) throw strataError('not_found', { what: `document "${id}" in index "${index}"` });
  const source = photoSource(hit._source?.image);
  if (!source || !('file' in source)) throw strataError('not_found', { what: `a local photo of document "${id}"` });
  try {
    return await sharp(source.file, { failOn: 'error' }).rotate().resize(THUMB_PX, THUMB_PX, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
  } catch (err) {
    throw strataError('not_found', { what: `a readable photo of document "${id}" (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` });
  }
}
