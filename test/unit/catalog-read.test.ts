import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCatalogFile, readLines, type CatalogRow, csvNumber } from '../../service/catalog/read.ts';

async function rowsOf(name: string, content: string | Buffer): Promise<CatalogRow[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'strata-read-'));
  const file = path.join(dir, name);
  await writeFile(file, content);
  const rows: CatalogRow[] = [];
  for await (const row of readCatalogFile(file)) rows.push(row);
  return rows;
}

describe('readCatalogFile (JSONL)', () => {
  it('validates each line and reports bad ones with their line number and field', async () => {
    const rows = await rowsOf(
      'c.jsonl',
      [
        JSON.stringify({ id: 'a', title: 'Fridge', price: 499 }),
        '{"id": "b", "title": ',
        JSON.stringify({ title: 'No id' }),
        JSON.stringify({ id: 'c', title: 'Oven', price: 'cheap' }),
        '',
        JSON.stringify({ id: 'a', title: 'Duplicate' }),
        JSON.stringify({ id: 7, title: 'Numeric id', rating: 4.5 }),
      ].join('\n'),
    );
    expect(rows.map((r) => [r.line, r.ok])).toEqual([
      [1, true],
      [2, false],
      [3, false],
      [4, false],
      [6, false],
      [7, true],
    ]);
    const errs = Object.fromEntries(rows.filter((r) => !r.ok).map((r) => [r.line, (r as { errors: string[] }).errors.join('; ')]));
    expect(errs[2]).toMatch(/malformed JSON/);
    expect(errs[3]).toMatch(/^id: /);
    expect(errs[4]).toMatch(/^price: /);
    expect(errs[6]).toMatch(/duplicate id "a" \(first on line 1\)/);
    const seven = rows.find((r) => r.line === 7);
    expect(seven?.ok && seven.doc.id).toBe('7');
  });

  it('reports a line that is not valid UTF-8 and keeps reading', async () => {
    const good = Buffer.from(JSON.stringify({ id: 'x', title: 'ok' }) + '\n');
    const bad = Buffer.concat([Buffer.from('{"id":"y","title":"caf'), Buffer.from([0xe9, 0x22, 0x7d, 0x0a])]);
    const rows = await rowsOf('u.jsonl', Buffer.concat([bad, good]));
    expect(rows[0]).toMatchObject({ line: 1, ok: false, errors: ['not valid UTF-8'] });
    expect(rows[1]).toMatchObject({ line: 2, ok: true });
  });

  it('refuses an empty file and an unknown extension with the file name', async () => {
    await expect(rowsOf('empty.jsonl', '')).rejects.toThrow(/catalog file is empty: .*empty\.jsonl/);
    await expect(rowsOf('c.xml', '<x/>')).rejects.toThrow(/unsupported catalog format "\.xml"/);
  });

  it('rejects unknown fields by name (strict schema)', async () => {
    const rows = await rowsOf('s.jsonl', JSON.stringify({ id: 'a', title: 't', colour: 'red' }));
    expect(rows[0]).toMatchObject({ ok: false });
    expect((rows[0] as { errors: string[] }).errors[0]).toMatch(/colour/);
  });
});

describe('readLines', () => {
  it('skips an over-long line without buffering it and carries on', async () => {
    async function* chunks() {
      yield Buffer.from('short\n' + 'x'.repeat(50));
      yield Buffer.from('y'.repeat(50) + '\nnext\n');
    }
    const out = [];
    for await (const l of readLines(chunks(), { maxLineBytes: 64 })) out.push(l);
    expect(out).toEqual([
      { line: 1, text: 'short' },
      { line: 2, error: 'line is longer than the 64 byte limit' },
      { line: 3, text: 'next' },
    ]);
  });
});

describe('gzipped catalog files', () => {
  it('reads .jsonl.gz and .csv.gz as they are, and names a file that is not gzip', async () => {
    const jsonl = await rowsOf('c.jsonl.gz', gzipSync(`${JSON.stringify({ id: 'a', title: 'Fridge' })}\n${JSON.stringify({ id: 'b', title: 'Oven' })}\n`));
    expect(jsonl.map((r) => r.ok && r.doc.id)).toEqual(['a', 'b']);
    const csv = await rowsOf('c.csv.gz', gzipSync('id,title,price\nk1,Kettle,$19.99\n'));
    expect(csv).toEqual([{ line: 2, ok: true, doc: { id: 'k1', title: 'Kettle', price: 19.99 } }]);
    await expect(rowsOf('plain.jsonl.gz', JSON.stringify({ id: 'a', title: 'x' }))).rejects.toThrow(/plain\.jsonl\.gz: not a readable gzip file/);
    await expect(rowsOf('notes.txt.gz', gzipSync('x'))).rejects.toThrow(/unsupported catalog format "\.txt" \(use \.jsonl, \.csv, \.tsv or \.parquet; the first three optionally gzipped/);
  });
});

describe('readCatalogFile (CSV)', () => {
  it('maps numbers, attributes.* and lat/lon columns, and names bad fields with file line numbers', async () => {
    const csv = [
      'id,title,price,rating,attributes.color,lat,lon,reviews',
      's1,"Quiet ""Eco"" dishwasher",399.5,4.2,white,52.5,13.4,Great|Loud',
      's2,Kettle,abc,,,,,',
      's3,"Multi',
      'line title",10,,,,,',
    ].join('\n');
    const rows = await rowsOf('c.csv', csv);
    expect(rows[0]).toMatchObject({
      line: 2,
      ok: true,
      doc: { id: 's1', title: 'Quiet "Eco" dishwasher', price: 399.5, rating: 4.2, attributes: { color: 'white' }, location: { lat: 52.5, lon: 13.4 }, reviews: ['Great', 'Loud'] },
    });
    expect(rows[1]).toMatchObject({ line: 3, ok: false });
    expect((rows[1] as { errors: string[] }).errors[0]).toMatch(/^price: /);
    expect(rows[2]).toMatchObject({ line: 5, ok: true, doc: { title: 'Multi\nline title' } });
  });
});

describe('separators other than commas', () => {
  it('reads a tab-separated .csv (as WANDS ships), a semicolon one with decimal commas quoted, a pipe one and .tsv(.gz)', async () => {
    const wands = await rowsOf('product.csv', 'id\ttitle\tdescription\trating\nw1\tsolid wood platform bed\tgood, solid bed\t4.5\n');
    expect(wands).toEqual([{ line: 2, ok: true, doc: { id: 'w1', title: 'solid wood platform bed', description: 'good, solid bed', rating: 4.5 } }]);
    const semicolon = await rowsOf('export.csv', 'id;title;"brand; maker"\ns1;Kettle, steel;Acme\n');
    expect(semicolon).toMatchObject([{ ok: false, errors: expect.arrayContaining([expect.stringMatching(/brand; maker: unknown field/)]) }]);
    const semicolonOk = await rowsOf('export2.csv', 'id;title;brand\ns1;Kettle, steel;Acme\n');
    expect(semicolonOk).toEqual([{ line: 2, ok: true, doc: { id: 's1', title: 'Kettle, steel', brand: 'Acme' } }]);
    expect(await rowsOf('p.csv', 'id|title\np1|Oven\n')).toEqual([{ line: 2, ok: true, doc: { id: 'p1', title: 'Oven' } }]);
    // In a .tsv every comma is text, even when the header has more commas than tabs.
    expect(await rowsOf('t.tsv', 'id\ttitle,with,commas\nt1\tx\n')).toMatchObject([{ ok: false, errors: expect.arrayContaining([expect.stringMatching(/title,with,commas: unknown field/)]) }]);
    expect(await rowsOf('t.tsv.gz', gzipSync('id\ttitle\nt1\tTable, oak\n'))).toEqual([{ line: 2, ok: true, doc: { id: 't1', title: 'Table, oak' } }]);
    // A comma file whose header has one quoted name with a tab in it stays a comma file.
    expect(await rowsOf('q.csv', 'id,"title\tx",title\nq1,v,Lamp\n')).toMatchObject([{ ok: false, errors: expect.arrayContaining([expect.stringMatching(/title\tx: unknown field/)]) }]);
  });
});

describe('numbers in catalog files', () => {
  it('reads quoted numbers in JSON Lines as CSV cells are read', async () => {
    const rows = await rowsOf('q.jsonl', [JSON.stringify({ id: 'a', title: 'Lamp', price: '$12.99', review_count: '1,204' }), JSON.stringify({ id: 'b', title: 'Desk', price: '12,99' })].join('\n'));
    expect(rows[0]).toEqual({ line: 1, ok: true, doc: { id: 'a', title: 'Lamp', price: 12.99, review_count: 1204 } });
    expect(rows[1]).toMatchObject({ ok: false, errors: ['price: expected number, received string'] });
  });

  it('reads a category given as a list of levels, or several lists, as its first path', async () => {
    const rows = await rowsOf('c.jsonl', [JSON.stringify({ id: 'a', title: 'Pan', category: ['Home', 'Kitchen'] }), JSON.stringify({ id: 'b', title: 'Mug', category: [['Home', 'Dining'], ['Sale']] }), JSON.stringify({ id: 'c', title: 'Odd', category: [1, 2] })].join('\n'));
    expect(rows.slice(0, 2).map((r) => (r.ok ? r.doc.category : r.errors))).toEqual(['Home/Kitchen', 'Home/Dining']);
    expect(rows[2]).toMatchObject({ ok: false, errors: [expect.stringMatching(/^category: /)] });
  });
});

describe('numbers in CSV cells', () => {
  it('reads prices and counts as shops export them, and leaves ambiguous cells for the schema to refuse', () => {
    expect(['1299', '$1,299.00', '1 299 EUR', '€12.50', 'USD 12', '£0.99', '4.5 stars', '12.5%'].map(csvNumber)).toEqual([1299, 1299, 1299, 12.5, 12, 0.99, 4.5, 12.5]);
    // A decimal comma, a fraction and words stay text: "price: expected number, received string" names the cell.
    expect(['12,99', '3.5/5', 'cheap'].map(csvNumber)).toEqual(['12,99', '3.5/5', 'cheap']);
  });
});

describe('JSON files that are not JSON Lines', () => {
  const docs = [
    { id: 'a1', title: 'Oak desk', price: '$199.00' },
    { id: 'a2', title: 'Kettle', category: ['Home', 'Kitchen'] },
  ];

  it('reads a top-level array (pretty-printed or on one line, gzipped too) element by element', async () => {
    const expected = [
      { line: 1, ok: true, doc: { id: 'a1', title: 'Oak desk', price: 199 } },
      { line: 2, ok: true, doc: { id: 'a2', title: 'Kettle', category: 'Home/Kitchen' } },
    ];
    expect(await rowsOf('export.json', JSON.stringify(docs, null, 2))).toEqual(expected);
    expect(await rowsOf('one-line.json', JSON.stringify(docs))).toEqual(expected);
    expect(await rowsOf('export.json.gz', gzipSync(`\n  ${JSON.stringify(docs, null, 2)}`))).toEqual(expected);
    // An element that is not a document is named by its number; the others are read.
    const mixed = await rowsOf('mixed.json', JSON.stringify([docs[0], 'text', docs[1]]));
    expect(mixed.map((r) => [r.line, r.ok])).toEqual([[1, true], [2, false], [3, true]]);
    // A "__proto__" key (which the streaming parser would turn into a prototype, lending the document its fields)
    // is refused by name, as in JSON Lines.
    const proto = await rowsOf('proto.json', '[{"id": "p1", "__proto__": {"title": "inherited"}}, {"id": "p2", "title": "own", "attributes": {"__proto__": {"x": 1}}}]');
    expect(proto).toEqual([
      { line: 1, ok: false, errors: ['the key "__proto__" is not allowed'] },
      { line: 2, ok: false, errors: ['the key "__proto__" is not allowed'] },
    ]);
  });

  it('names a broken array at its element and a pretty-printed single document with what to send instead', async () => {
    const broken = await rowsOf('broken.json', `[${JSON.stringify(docs[0])},\n{"id": "a2", "title": }\n]`);
    expect(broken[0]).toMatchObject({ line: 1, ok: true });
    expect(broken[1]).toMatchObject({ line: 2, ok: false, errors: [expect.stringMatching(/^malformed JSON in array element 2/)] });
    const single = await rowsOf('shop.json', JSON.stringify({ products: docs }, null, 2));
    expect(single).toEqual([{ line: 1, ok: false, errors: [expect.stringMatching(/one pretty-printed JSON document: give one object per line \(JSON Lines\) or a top-level array/)] }]);
    // A corrupt gzip is named as such, not as a JSON syntax error.
    await expect(rowsOf('bad.json.gz', Buffer.concat([gzipSync(JSON.stringify(docs)).subarray(0, 20), Buffer.from('garbage')]))).rejects.toThrow(/bad\.json\.gz: not a readable gzip file/);
    // JSON Lines whose first line is broken are still JSON Lines: that line is named, the others read.
    const firstBroken = await rowsOf('first-broken.jsonl', ['{"id": "x", "title": ', ...docs.map((d) => JSON.stringify(d))].join('\n'));
    expect(firstBroken.map((r) => [r.line, r.ok])).toEqual([[1, false], [2, true], [3, true]]);
    // JSON Lines stay JSON Lines, also when the first line is an object over several keys.
    expect((await rowsOf('lines.json', docs.map((d) => JSON.stringify(d)).join('\n'))).map((r) => r.ok)).toEqual([true, true]);
  });
});
