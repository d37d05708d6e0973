/**
 * Rows of an Apache Parquet file as plain records, for catalogs and judgment files shipped as Parquet (Amazon's
 * ESCI products and examples, most Hugging Face data sets). Read with `hyparquet` (pure JavaScript) and
 * `hyparquet-compressors` (snappy, gzip, brotli, zstd, lz4), a row group at a time and, within a group of more
 * than 128 MB, in slices of about that size, so memory follows the slice, not the file. Values become what a JSON
 * Lines row would hold: 64-bit integers numbers (or text past 2^53), timestamps ISO strings, nulls absent (as an
 * empty CSV cell is).
 */
import { stat } from 'node:fs/promises';
import { strataError } from '../errors.ts';

/**
 * Rows decoded at once: a whole row group when it holds at most this many bytes uncompressed, else slices of about
 * that size. A slice of a group costs a fresh decode of the group's pages up to it (no page index in most files),
 * so slices are as large as memory allows: 400k titles in one group read in 0.9 s whole and 3.3 s in 20k-row slices.
 */
const SLICE_BYTES = 128 * 1024 * 1024;

/**
 * A Parquet value as JSON would hold it (recursively for lists and structs).
 *
 * @example plainValue(42n) // 42
 */
export function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (Array.isArray(value)) return value.map(plainValue).filter((v) => v !== undefined && v !== null);
  if (value instanceof Uint8Array) return value;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const plain = plainValue(v);
      if (plain !== undefined && plain !== null) out[k] = plain;
    }
    return out;
  }
  return value;
}

/**
 * The rows of a Parquet file, numbered from 1, as records without their null columns.
 *
 * @example for await (const { row, record } of parquetRecords('products.parquet')) console.log(row, record.product_id);
 */
export async function* parquetRecords(file: string, { sliceRows, sliceBytes = SLICE_BYTES }: { sliceRows?: number; sliceBytes?: number } = {}): AsyncGenerator<{ row: number; record: Record<string, unknown> }> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw strataError('bad_input_file', { reason: `${file}: file not found` }, { file });
  const [{ asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects }, { compressors }] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  const unreadable = (err: unknown) => strataError('bad_input_file', { reason: `${file}: not a readable Parquet file (${(err as Error).message})` }, { file });
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer).catch((err: unknown) => {
    throw unreadable(err);
  });
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    const groupEnd = groupStart + rows;
    const bytes = Number(group.total_byte_size);
    const step = sliceRows ?? (bytes > sliceBytes ? Math.max(1000, Math.floor((rows * sliceBytes) / bytes)) : rows);
    for (let start = groupStart; start < groupEnd; start += Math.max(1, step)) {
      const end = Math.min(groupEnd, start + Math.max(1, step));
      const slice = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end, compressors }).catch((err: unknown) => {
        throw unreadable(err);
      });
      for (let i = 0; i < slice.length; i++) yield { row: start + i + 1, record: plainValue(slice[i]) as Record<string, unknown> };
    }
    groupStart = groupEnd;
  }
}
