/**
 * Parquet catalogs and judgment files (ESCI's shape): rows across row groups and slices, values as JSON would hold
 * them (64-bit integers, timestamps, nulls absent), the column map, and a file that is not Parquet named as such.
 * The files are written with hyparquet-writer (snappy, the codec pandas and pyarrow write by default).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogColumns, readCatalogFile, type CatalogRow } from '../../service/catalog/read.ts';
import { parquetRecords, plainValue } from '../../service/catalog/parquet.ts';
import { judgmentFormat, readJudgments } from '../../training/data/judgments.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'strata-parquet-'));
});

const products = () => ({
  columnData: [
    { name: 'product_id', data: ['B01', 'B02', 'B03', 'B04', 'B05'], type: 'STRING' as const },
    { name: 'product_title', data: ['Oak desk', 'Steel kettle', 'Wool rug', 'Desk lamp', 'Bed frame'], type: 'STRING' as const },
    { name: 'product_brand', data: ['Acme', null, 'Loom', null, 'Rest'], type: 'STRING' as const, nullable: true },
    { name: 'price', data: [199.5, 24, 80.25, 35, 410], type: 'DOUBLE' as const },
    { name: 'review_count', data: [12n, 0n, 9007199254740993n, 3n, 7n], type: 'INT64' as const },
    { name: 'release', data: [new Date('2024-05-01T00:00:00Z'), new Date('2023-01-02T00:00:00Z'), new Date('2022-03-04T00:00:00Z'), new Date('2021-06-07T00:00:00Z'), new Date('2020-08-09T00:00:00Z')], type: 'TIMESTAMP' as const },
  ],
  rowGroupSize: 2,
});

async function rowsOf(file: string, columns?: Parameters<typeof readCatalogFile>[1]): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const r of readCatalogFile(file, columns)) out.push(r);
  return out;
}

describe('Parquet files', () => {
  it('reads every row across row groups and slices, with 64-bit integers, timestamps and nulls as JSON holds them', async () => {
    const file = path.join(dir, 'products.parquet');
    parquetWriteFile({ filename: file, ...products() });
    for (const options of [{ sliceRows: 1 }, { sliceRows: 2 }, { sliceRows: 1000 }, { sliceBytes: 1 }, {}]) {
      const sliceRows = JSON.stringify(options);
      const rows: Array<{ row: number; record: Record<string, unknown> }> = [];
      for await (const r of parquetRecords(file, options)) rows.push(r);
      expect(rows.map((r) => r.row), `slice ${sliceRows}`).toEqual([1, 2, 3, 4, 5]);
      expect(rows[1]!.record).toEqual({ product_id: 'B02', product_title: 'Steel kettle', price: 24, review_count: 0, release: '2023-01-02T00:00:00.000Z' });
      expect(rows[2]!.record.review_count).toBe('9007199254740993');
    }
    expect(await catalogColumns(file)).toEqual(['product_id', 'product_title', 'product_brand', 'price', 'review_count', 'release']);
    expect(plainValue([1n, null, { a: null, b: 2n }])).toEqual([1, { b: 2 }]);
  });

  it('indexes as a catalog through --map like JSON Lines, naming bad rows by their row number', async () => {
    const file = path.join(dir, 'esci-products.parquet');
    parquetWriteFile({ filename: file, ...products() });
    const columns = { columns: { map: { id: 'product_id', title: 'product_title', brand: 'product_brand', release_date: 'release' }, unmapped: 'error' as const } };
    const rows = await rowsOf(file, columns);
    expect(rows[0]).toEqual({ line: 1, ok: true, doc: { id: 'B01', title: 'Oak desk', brand: 'Acme', price: 199.5, review_count: 12, release_date: '2024-05-01T00:00:00.000Z' } });
    expect(rows[1]).toMatchObject({ line: 2, ok: true, doc: { id: 'B02', title: 'Steel kettle' } });
    expect((rows[1] as { doc: Record<string, unknown> }).doc).not.toHaveProperty('brand');
    // A count past 2^53 is kept exactly as text, which the schema refuses by name rather than rounding it.
    expect(rows[2]).toMatchObject({ line: 3, ok: false, errors: [expect.stringMatching(/^review_count: /)] });
    const unmapped = await rowsOf(file);
    expect(unmapped[0]).toMatchObject({ ok: false, errors: expect.arrayContaining(['product_id: unknown field']) });
  });

  it('names a file that is not Parquet, and refuses .parquet.gz', async () => {
    const fake = path.join(dir, 'fake.parquet');
    await writeFile(fake, 'id,title\n1,x\n');
    await expect(rowsOf(fake)).rejects.toThrow(/fake\.parquet: not a readable Parquet file/);
    const gz = path.join(dir, 'x.parquet.gz');
    await writeFile(gz, 'x');
    await expect(rowsOf(gz)).rejects.toThrow(/read it as \.parquet, not \.parquet\.gz/);
  });

  it('reads ESCI-style judgments (query text, product id, E/S/C/I labels, a train/test split) from Parquet', async () => {
    const file = path.join(dir, 'examples.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'example_id', data: [0n, 1n, 2n, 3n], type: 'INT64' },
        { name: 'query', data: ['oak desk', 'oak desk', 'rug', 'rug'], type: 'STRING' },
        { name: 'query_id', data: [10n, 10n, 11n, 11n], type: 'INT64' },
        { name: 'product_id', data: ['B01', 'B04', 'B03', 'B01'], type: 'STRING' },
        { name: 'esci_label', data: ['E', 'C', 'S', 'I'], type: 'STRING' },
        { name: 'split', data: ['train', 'train', 'test', 'test'], type: 'STRING' },
      ],
    });
    const j = await readJudgments(file, judgmentFormat('doc_id=product_id,grade=esci_label', 'E=3,S=2,C=1,I=0'));
    expect(j.queries).toEqual(new Map([['10', 'oak desk'], ['11', 'rug']]));
    expect(j.qrels.get('11')).toEqual(new Map([['B03', 2], ['B01', 0]]));
    // ESCI's held-out "test" queries are the dev side of the split.
    expect(j.splits).toEqual(new Map([['10', 'train'], ['11', 'dev']]));
  });
});
