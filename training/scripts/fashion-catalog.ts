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

// Display names read "<Brand> <Gender> <colour> <article>": the words before the gender are the brand.
const GENDER_WORD = /^(.*?)\s+(?:Men|Women|Boys|Girls|Unisex|Kids|Woman|Him)\b/;

/**
 * The brand of each row, read from its display name: the words before the gender word when they are at most
 * four (longer ones are usually a brand plus a product line), else the longest brand seen that way which
 * starts the name, else the first word when at least two names start with it ("Lakme ...", "Revlon ...").
 *
 * @example brandsOf([{ productDisplayName: 'Puma Men Black Shoes' }, { productDisplayName: 'Puma Black Backpack' }]) // ['Puma', 'Puma']
 */
export function brandsOf(rows: ReadonlyArray<Pick<FashionRow, 'productDisplayName'>>): Array<string | undefined> {
  const names = rows.map((r) => (r.productDisplayName ?? '').replace(/\s+/g, ' ').trim());
  const prefixes = names.map((n) => GENDER_WORD.exec(n)?.[1]?.trim()).map((b) => (b && b.split(' ').length <= 4 ? b : undefined));
  const known = [...new Set(prefixes.filter((b): b is string => !!b))].sort((a, b) => b.length - a.length);
  const firstWords = new Map<string, number>();
  for (const n of names) firstWords.set(n.split(' ')[0]!, (firstWords.get(n.split(' ')[0]!) ?? 0) + 1);
  return names.map((n, i) => {
    const first = n.split(' ')[0]!;
    return prefixes[i] ?? known.find((b) => n === b || n.startsWith(`${b} `)) ?? (/^\p{Lu}/u.test(first) && firstWords.get(first)! >= 2 ? first : undefined);
  });
}

/**
 * One styles.csv row as a catalog document (category path master/sub/article; the image as an absolute path;
 * the brand when `brandsOf` found one; the year, written "2012.0" in the CSV, as a release date).
 *
 * @example fashionDocument(row, '/data/fashion-products').category // 'apparel/topwear/shirts'
 */
export function fashionDocument(row: FashionRow, dataDir: string, brand?: string): CatalogDocumentInput {
  const slug = (s: string) => s.trim().toLowerCase().replace(/\s+/g, '-');
  const attributes: Record<string, string> = {};
  for (const key of ['gender', 'baseColour', 'season', 'usage'] as const) if (row[key]?.trim()) attributes[key] = row[key].trim();
  return {
    id: row.id,
    title: row.productDisplayName?.trim() || `${row.baseColour} ${row.articleType}`.trim(),
    ...(brand ? { brand } : {}),
    category: [row.masterCategory, row.subCategory, row.articleType].filter((s) => s?.trim()).map(slug).join('/'),
    ...(/^\d{4}(?:\.0)?$/.test(row.year ?? '') ? { release_date: `${row.year!.slice(0, 4)}-01-01` } : {}),
    image: path.join(dataDir, 'images', `${row.id}.jpg`),
    attributes,
  };
}

/** Reads styles.csv into catalog documents (the CSV's own line numbers name a bad row). */
export async function readFashion(dataDir: string, limit = Infinity): Promise<CatalogDocumentInput[]> {
  const rows: FashionRow[] = [];
  const parser = createReadStream(path.join(dataDir, 'styles.csv')).pipe(parse({ columns: true, skip_empty_lines: true, relax_column_count: true }));
  for await (const row of parser as AsyncIterable<FashionRow>) rows.push(row);
  // Brands are learnt from all rows (a short name needs the brand seen in a longer one), then the limit applies.
  const brands = brandsOf(rows);
  return rows.slice(0, Math.min(rows.length, limit)).map((row, i) => fashionDocument(row, dataDir, brands[i]));
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
