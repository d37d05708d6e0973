/**
 * Streaming catalog reader for JSONL, CSV (or tab-, semicolon-, pipe-separated) and Parquet files. Every row comes
 * out either as a validated document or as an
 * error naming its line and field, so the caller can report bad rows and keep going: nothing is dropped silently.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { CatalogDocumentSchema, describeIssues, type CatalogDocument } from './schema.ts';
import { strataError } from '../errors.ts';
import { attributePairs, mapColumns, type ColumnOptions } from './columns.ts';
import { sniffDelimiter } from './delimiter.ts';
import { parquetRecords } from './parquet.ts';
import { DOCUMENT_HINT, jsonArrayElements, peekJson } from './json-array.ts';
import { firstLineOf, readHead, replay } from './head.ts';

export type CatalogRow =
  | { line: number; ok: true; doc: CatalogDocument }
  | { line: number; ok: false; id?: string; errors: string[] };

export interface ReadOptions {
  /** A line longer than this is reported as an error without being buffered whole. */
  maxLineBytes?: number;
  /** The file's own column names mapped to catalog fields, and what to do with the other columns. */
  columns?: ColumnOptions;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits a byte stream into lines (1-based numbers), decoding each as strict UTF-8.
 * Over-long lines are skipped to their end and yielded as `{ tooLong: true }`.
 */
export async function* readLines(
  source: AsyncIterable<Buffer>,
  { maxLineBytes = 64 * 1024 * 1024 }: ReadOptions = {},
): AsyncGenerator<{ line: number; text?: string; error?: string }> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let line = 1;
  const finish = function* (): Generator<{ line: number; text?: string; error?: string }> {
    if (skipping) {
      yield { line, error: `line is longer than the ${maxLineBytes} byte limit` };
    } else {
      const buf = Buffer.concat(parts, size);
      try {
        yield { line, text: utf8.decode(buf).replace(/\r$/, '') };
      } catch {
        yield { line, error: 'not valid UTF-8' };
      }
    }
    parts = [];
    size = 0;
    skipping = false;
    line++;
  };
  for await (const chunk of source) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (!skipping) {
        parts.push(chunk.subarray(start, nl));
        size += nl - start;
        if (size > maxLineBytes) skipping = true;
      }
      yield* finish();
      start = nl + 1;
    }
    if (!skipping && start < chunk.length) {
      parts.push(chunk.subarray(start));
      size += chunk.length - start;
      if (size > maxLineBytes) {
        skipping = true;
        parts = [];
      }
    }
  }
  if (size > 0 || skipping) yield* finish();
}

function validate(line: number, value: unknown): CatalogRow {
  const parsed = CatalogDocumentSchema.safeParse(value);
  if (parsed.success) return { line, ok: true, doc: parsed.data };
  const rawId = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).id : undefined;
  return {
    line,
    ok: false,
    ...(typeof rawId === 'string' || typeof rawId === 'number' ? { id: String(rawId) } : {}),
    errors: describeIssues(parsed.error),
  };
}

/**
 * Reads JSON Lines: one document per line; blank lines are skipped. A file that is one top-level array of documents
 * is read element by element instead (an element's number is its line); one pretty-printed document is refused
 * with what to send instead.
 */
export async function* readJsonl(source: AsyncIterable<Buffer>, options: ReadOptions = {}): AsyncGenerator<CatalogRow> {
  const peek = await peekJson(source);
  if (peek.kind === 'document') {
    yield { line: 1, ok: false, errors: [DOCUMENT_HINT] };
    return;
  }
  if (peek.kind === 'array') {
    try {
      for await (const { row, value, error } of jsonArrayElements(replay(peek))) {
        if (error) yield { line: row, ok: false, errors: [error] };
        else yield validate(row, readRecord(value, options));
      }
    } catch (err) {
      if ((err as { row?: number }).row === undefined) throw err;
      yield { line: (err as { row: number }).row, ok: false, errors: [(err as Error).message] };
    }
    return;
  }
  for await (const { line, text, error } of readLines(replay(peek), options)) {
    if (error !== undefined) {
      yield { line, ok: false, errors: [error] };
      continue;
    }
    if (text === undefined || text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { line, ok: false, errors: [`malformed JSON: ${(err as Error).message}`] };
      continue;
    }
    yield validate(line, readRecord(value, options));
  }
}

/**
 * A JSON object (a JSON Lines, JSON array or Parquet row) through the column map and the readings shop exports need;
 * anything else as it is, for the schema to refuse.
 */
function readRecord(value: unknown, options: ReadOptions): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  let record = options.columns ? mapColumns(value as Record<string, unknown>, options.columns) : (value as Record<string, unknown>);
  // Files exported from shops often quote their numbers ("price": "$12.99"): read them as CSV cells are.
  for (const key of NUMERIC) if (typeof record[key] === 'string') record = { ...record, [key]: csvNumber(record[key]) };
  // A category given as a list of levels (["Home", "Kitchen"]), or as several such lists, is its first path.
  if (Array.isArray(record.category)) record = { ...record, category: categoryPath(record.category) };
  // Attributes as one `name:value|name:value` string (a mapped features column) are read as CSV cells are.
  if (typeof record.attributes === 'string') record = { ...record, attributes: attributePairs(record.attributes) ?? record.attributes };
  return record;
}

/** Reads a Parquet file: one document per row, numbered from 1 (reported as its line); null columns are absent. */
export async function* readParquet(file: string, options: ReadOptions = {}): AsyncGenerator<CatalogRow> {
  for await (const { row, record } of parquetRecords(file)) yield validate(row, readRecord(record, options));
}

const NUMERIC = new Set(['price', 'rating', 'review_count']);

/** The first path of a category list: `["Home", "Kitchen"]` and `[["Home", "Kitchen"], ["Sale"]]` are `Home/Kitchen`. */
function categoryPath(list: unknown[]): unknown {
  const first = Array.isArray(list[0]) ? (list[0] as unknown[]) : list;
  return first.length && first.every((l) => typeof l === 'string') ? (first as string[]).join('/') : list;
}

/**
 * A number from a CSV cell as shops export them: `1299`, `$1,299.00`, `1 299 EUR`, `4.5 stars`. A cell that is
 * not one stays text, for the schema to refuse by name (`price: expected number, received string`).
 *
 * @example csvNumber('$1,299.00') // 1299
 */
export function csvNumber(cell: string): number | string {
  const core = cell.replace(/^[^\d.-]*?(?=-?[\d.])/, '').replace(/(?<=\d)\s*[^\d\s.,-][\p{L}\p{Sc} ]*$/u, '').trim();
  const plain = /^-?\d{1,3}([, \u00a0]\d{3})+(\.\d+)?$/.test(core) ? core.replace(/[, \u00a0]/g, '') : core;
  const n = plain === '' ? NaN : Number(plain);
  return Number.isFinite(n) ? n : cell;
}

/** Maps one CSV record (all strings) onto the document shape: numbers, `attributes.*`, `lat`/`lon`, `reviews`. */
export function csvRecordToDocument(record: Record<string, string>): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  const attributes: Record<string, string> = {};
  const location: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(record)) {
    const value = raw.trim();
    if (value === '') continue;
    if (key.startsWith('attributes.')) attributes[key.slice('attributes.'.length)] = value;
    else if (key === 'lat' || key === 'location.lat') location.lat = Number(value);
    else if (key === 'lon' || key === 'location.lon') location.lon = Number(value);
    else if (NUMERIC.has(key)) doc[key] = csvNumber(value);
    else if (key === 'reviews') doc.reviews = value.split('|').map((s) => s.trim()).filter(Boolean);
    else if (key === 'attributes') {
      try {
        doc.attributes = JSON.parse(value);
      } catch {
        doc.attributes = attributePairs(value) ?? value; // else left for the schema to reject with the field name
      }
    } else doc[key] = value;
  }
  if (Object.keys(attributes).length) doc.attributes = { ...(doc.attributes as object), ...attributes };
  if (Object.keys(location).length) doc.location = location;
  return doc;
}

/**
 * Reads CSV with a header row; line numbers are those of the file (a quoted field may span lines). The separator
 * is `options.delimiter`, else sniffed from the header line (comma, tab, semicolon or pipe).
 */
export async function* readCsv(source: AsyncIterable<Buffer>, options: ReadOptions & { delimiter?: string } = {}): AsyncGenerator<CatalogRow> {
  // The header line is read ahead to tell the separator, then fed to the parser first.
  const read = await readHead(source);
  const delimiter = options.delimiter ?? sniffDelimiter(firstLineOf(read));
  const parser = parseCsv({ columns: true, info: true, bom: true, skip_empty_lines: true, relax_column_count: true, delimiter });
  const feed = (async () => {
    try {
      for await (const chunk of replay(read)) {
        if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r));
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  try {
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const line = item.info.lines;
      const values = Object.values(item.record);
      if (values.some((v) => v.includes('\ufffd'))) {
        yield { line, ok: false, errors: ['not valid UTF-8'] };
        continue;
      }
      const record = options.columns ? (mapColumns(item.record, options.columns, { flat: true }) as Record<string, string>) : item.record;
      yield validate(line, csvRecordToDocument(record));
    }
  } catch (err) {
    const e = err as Error & { lines?: number };
    yield { line: e.lines ?? 0, ok: false, errors: [`CSV parse error: ${e.message}`] };
  }
  await feed;
}

/** The catalog formats by file extension. */
const FORMATS: Record<string, 'csv' | 'tsv' | 'jsonl' | 'parquet'> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'jsonl', '.parquet': 'parquet' };

/** The name a catalog file is read by: `catalog.csv.gz` is read as `catalog.csv`, decompressed on the fly. */
const catalogName = (file: string) => file.replace(/\.gz$/i, '');

/** The bytes of a catalog file, decompressed on the fly when it is gzipped. */
const catalogBytes = (file: string): AsyncIterable<Buffer> => (catalogName(file) === file ? createReadStream(file) : gunzipped(file));

/** The bytes of a gzipped file; a corrupt or truncated archive ends the read with an error naming the file. */
async function* gunzipped(file: string): AsyncGenerator<Buffer> {
  const raw = createReadStream(file);
  const unzip = raw.pipe(createGunzip());
  raw.on('error', (err) => unzip.destroy(err));
  try {
    for await (const chunk of unzip) yield chunk as Buffer;
  } catch (err) {
    throw strataError('bad_input_file', { reason: `${file}: not a readable gzip file (${(err as Error).message})` });
  } finally {
    raw.destroy();
  }
}

/**
 * Checks that a catalog file exists, is a non-empty file and has a known extension, and tells its format; a
 * command calls it before it touches Elasticsearch, so a wrong path creates no index.
 *
 * @example await checkCatalogFile('demo.jsonl') // 'jsonl'
 */
export async function checkCatalogFile(file: string): Promise<'csv' | 'tsv' | 'jsonl' | 'parquet'> {
  const info = await stat(file).catch(() => {
    throw strataError('bad_input_file', { reason: `catalog file not found: ${file}` });
  });
  if (!info.isFile()) throw strataError('bad_input_file', { reason: `not a file: ${file}` });
  if (info.size === 0) throw strataError('bad_input_file', { reason: `catalog file is empty: ${file}` });
  const ext = path.extname(catalogName(file)).toLowerCase();
  const format = FORMATS[ext];
  if (!format) throw strataError('bad_input_file', { reason: `unsupported catalog format "${ext}" (use .jsonl, .csv, .tsv or .parquet; the first three optionally gzipped: .jsonl.gz, .csv.gz): ${file}` });
  if (format === 'parquet' && catalogName(file) !== file) throw strataError('bad_input_file', { reason: `a Parquet file is compressed inside; read it as .parquet, not .parquet.gz: ${file}` });
  return format;
}

/**
 * The column names of a catalog file: its header for CSV/TSV, the keys of its first object for JSON Lines (empty when
 * unreadable). For messages, such as the `--map` a command proposes, which must not remap a field the file has.
 *
 * @example await catalogColumns('wands/product.csv') // ['product_id', 'product_name', ..., 'review_count']
 */
export async function catalogColumns(file: string): Promise<string[]> {
  try {
    const format = await checkCatalogFile(file);
    if (format === 'parquet') {
      const { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } = await import('hyparquet');
      return parquetSchema(await parquetMetadataAsync(await asyncBufferFromFile(file))).children.map((c) => c.element.name);
    }
    for await (const { text } of readLines(catalogBytes(file))) {
      if (text === undefined || text.trim() === '') continue;
      if (format === 'jsonl') {
        const value: unknown = text.trimStart().startsWith('[')
          ? (await jsonArrayElements(catalogBytes(file)).next()).value?.value
          : JSON.parse(text);
        return value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
      }
      const delimiter = format === 'tsv' ? '\t' : sniffDelimiter(text);
      return (parseCsvSync(text, { delimiter, bom: true, relax_quotes: true }) as string[][])[0] ?? [];
    }
  } catch {
    // Only a hint depends on it.
  }
  return [];
}

/**
 * Opens a catalog file by extension (`.jsonl`, `.ndjson`, `.json` lines; `.csv` with its separator sniffed, or
 * `.tsv`; `.parquet`) and yields its rows.
 * Duplicate ids within one file are reported on the later line.
 *
 * @example for await (const row of readCatalogFile('demo.jsonl')) if (!row.ok) console.log(row.line, row.errors)
 */
export async function* readCatalogFile(file: string, options: ReadOptions = {}): AsyncGenerator<CatalogRow> {
  const format = await checkCatalogFile(file);
  const rows =
    format === 'parquet' ? readParquet(file, options)
    : format === 'jsonl' ? readJsonl(catalogBytes(file), options)
    : readCsv(catalogBytes(file), format === 'tsv' ? { ...options, delimiter: '\t' } : options);
  const seen = new Map<string, number>();
  let count = 0;
  for await (const row of rows) {
    count++;
    if (row.ok) {
      const first = seen.get(row.doc.id);
      if (first !== undefined) {
        yield { line: row.line, ok: false, id: row.doc.id, errors: [`id: duplicate id "${row.doc.id}" (first on line ${first})`] };
        continue;
      }
      seen.set(row.doc.id, row.line);
    }
    yield row;
  }
  if (count === 0) throw strataError('bad_input_file', { reason: `catalog file has no rows: ${file}` });
}
