/**
 * Rows of a CSV (header row) or JSONL file as plain records with their line numbers, for the judgment and
 * labelled-text loaders. A malformed row stops the read with an error naming the file and the line: training
 * data with silently skipped rows would give figures nobody can reproduce.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { sniffDelimiter } from '../../service/catalog/delimiter.ts';
import { parquetRecords } from '../../service/catalog/parquet.ts';
import { DOCUMENT_HINT, jsonArrayElements, peekJson } from '../../service/catalog/json-array.ts';
import { firstLineOf, readHead } from '../../service/catalog/head.ts';
import { strataError, type StrataError } from '../../service/errors.ts';

export interface TableRow {
  line: number;
  record: Record<string, unknown>;
}

/**
 * An error for one line of one file (`<file>:<line>: <reason>`), with file and line in the details.
 *
 * @example throw badRow('judgments.csv', 7, 'grade must be an integer, got "x"');
 */
export function badRow(file: string, line: number, reason: string): StrataError {
  return strataError('bad_input_file', { reason: `${file}:${line}: ${reason}` }, { file, line });
}

/**
 * The format a file is read as: `.csv` (separator sniffed from its header: comma, tab, semicolon or pipe) or `.tsv`
 * as delimited text, `.jsonl`/`.ndjson`/`.json` as JSON lines, `.parquet` as Parquet (rows numbered as lines).
 */
export function tableFormat(file: string): 'csv' | 'tsv' | 'jsonl' | 'parquet' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.parquet') return 'parquet';
  throw strataError('bad_input_file', { reason: `${file}: unsupported format "${ext}" (use .csv, .tsv, .jsonl or .parquet)` }, { file });
}

async function* jsonlRows(file: string): AsyncGenerator<TableRow> {
  // One top-level array of records is read element by element; one pretty-printed document is refused by name.
  const peek = await peekJson(createReadStream(file));
  await peek.rest.return?.();
  if (peek.kind === 'document') throw badRow(file, 1, DOCUMENT_HINT);
  if (peek.kind === 'array') {
    try {
      for await (const { row, value, error } of jsonArrayElements(createReadStream(file))) {
        if (error) throw badRow(file, row, error);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRow(file, row, 'expected a JSON object');
        yield { line: row, record: value as Record<string, unknown> };
      }
    } catch (err) {
      if ((err as { row?: number }).row === undefined) throw err;
      throw badRow(file, (err as { row: number }).row, (err as Error).message);
    }
    return;
  }
  const input = createReadStream(file, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw badRow(file, line, `malformed JSON (${(err as Error).message})`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRow(file, line, 'expected a JSON object');
      yield { line, record: value as Record<string, unknown> };
    }
  } finally {
    rl.close();
    input.destroy();
  }
}

/** Parquet rows (numbered from 1, reported as lines). */
async function* parquetRows(file: string): AsyncGenerator<TableRow> {
  for await (const { row, record } of parquetRecords(file)) yield { line: row, record };
}

/** The first line of a text file. */
async function firstLine(file: string): Promise<string> {
  const head = await readHead(createReadStream(file));
  await head.rest.return?.();
  return firstLineOf(head);
}

async function* delimitedRows(file: string, delimiter: string): AsyncGenerator<TableRow> {
  const parser = createReadStream(file).pipe(
    parseCsv({ columns: true, info: true, bom: true, skip_empty_lines: true, delimiter, relax_quotes: false }),
  );
  try {
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { line: item.info.lines, record: item.record };
    }
  } catch (err) {
    const e = err as Error & { lines?: number; code?: string };
    if (e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' || e.code?.startsWith('CSV_') || e.code?.startsWith('INVALID_')) {
      throw badRow(file, e.lines ?? 0, `malformed CSV (${e.message})`);
    }
    throw err;
  }
}

/**
 * Reads a CSV/TSV/JSONL/Parquet file as records; throws when the file is missing, empty or a row is malformed.
 *
 * @example for await (const { line, record } of readTable('judgments.csv')) console.log(line, record.query);
 */
export async function* readTable(file: string): AsyncGenerator<TableRow> {
  // A missing file is named as missing, before its extension is judged.
  const info = await stat(file).catch(() => null);
  if (!info) throw strataError('bad_input_file', { reason: `${file}: file not found` }, { file });
  if (!info.isFile()) throw strataError('bad_input_file', { reason: `${file}: not a file` }, { file });
  const format = tableFormat(file);
  let count = 0;
  const rows =
    format === 'parquet' ? parquetRows(file)
    : format === 'jsonl' ? jsonlRows(file)
    : delimitedRows(file, format === 'tsv' ? '\t' : sniffDelimiter(await firstLine(file)));
  for await (const row of rows) {
    count++;
    yield row;
  }
  if (count === 0) throw strataError('bad_input_file', { reason: `${file}: no rows` }, { file });
}

/**
 * A required non-empty string field of a record (numbers are accepted and turned into strings).
 *
 * @example stringField(row, 'judgments.csv', 'doc_id')
 */
export function stringField(row: TableRow, file: string, column: string): string {
  const v = row.record[column];
  if (v === undefined || v === null) {
    throw badRow(file, row.line, `missing column "${column}" (columns: ${Object.keys(row.record).join(', ')})`);
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw badRow(file, row.line, `"${column}" must be a string, got ${JSON.stringify(v)}`);
  const s = String(v).trim();
  if (s === '') throw badRow(file, row.line, `"${column}" is empty`);
  return s;
}
