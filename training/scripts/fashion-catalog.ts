/**
 * Converts `../shared/data/fashion-products/styles.csv` into a Strata catalog (JSON Lines) whose `image` fields
 * point at the product photos, so the set indexes end to end with text and image encoders:
 *
 *   npx tsx training/scripts/fashion-catalog.ts [--data DIR] [--out reports/fashion.jsonl] [--limit N]
 *   npx tsx service/cli/main.ts index reports/fashion.jsonl --index fashion --encoders text/minilm,image/mobilenet
 */
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import type { CatalogDocumentInput } from '../../service/catalog/schema.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';

export interface FashionRow {
  id: string;
  gender: string;
  masterCategory: string;
  subCategory: string;
  articleType: string;
  baseColour: string;
  season: string;
  year: string;
  usage: string;
  productDisplayName: string;
}

/**
 * One styles.csv row as a catalog document (category path master/sub/article; the image as an absolute path).
 *
 * @example fashionDocument(row, '/data/fashion-products').category // 'apparel/topwear/shirts'
 */
export function fashionDocument(row: FashionRow, dataDir: string): CatalogDocumentInput {
  const slug = (s: string) => s.trim().toLowerCase().replace(/\s+/g, '-');
  const attributes: Record<string, string> = {};
  for (const key of ['gender', 'baseColour', 'season', 'usage'] as const) if (row[key]?.trim()) attributes[key] = row[key].trim();
  return {
    id: row.id,
    title: row.productDisplayName?.trim() || `${row.baseColour} ${row.articleType}`.trim(),
    category: [row.masterCategory, row.subCategory, row.articleType].filter((s) => s?.trim()).map(slug).join('/'),
    ...(/^\d{4}$/.test(row.year ?? '') ? { release_date: `${row.year}-01-01` } : {}),
    image: path.join(dataDir, 'images', `${row.id}.jpg`),
    attributes,
  };
}

/** Reads styles.csv into catalog documents (the CSV's own line numbers name a bad row). */
export async function readFashion(dataDir: string, limit = Infinity): Promise<CatalogDocumentInput[]> {
  const out: CatalogDocumentInput[] = [];
  const parser = createReadStream(path.join(dataDir, 'styles.csv')).pipe(parse({ columns: true, skip_empty_lines: true, relax_column_count: true }));
  for await (const row of parser as AsyncIterable<FashionRow>) {
    if (out.length >= limit) break;
    out.push(fashionDocument(row, dataDir));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  exitWithHelpIfAsked(import.meta.url);
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: path.resolve(import.meta.dirname, '../../../shared/data/fashion-products') },
      out: { type: 'string', default: 'reports/fashion.jsonl' },
      limit: { type: 'string' },
    },
  });
  const docs = await readFashion(values.data, values.limit ? Number(values.limit) : Infinity);
  await mkdir(path.dirname(values.out), { recursive: true });
  await writeFile(values.out, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  console.log(`${docs.length} fashion products -> ${values.out}`);
}
