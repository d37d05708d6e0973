/**
 * Catalogs with their own column names: `--map` parsing, renaming (JSON objects and CSV rows), what happens to
 * the other columns, and the `--map` suggested when rows are refused for unknown columns. Pure logic.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { attributePairs, mapColumns, parseColumnMap, suggestMap, unknownColumnsOf } from '../../service/catalog/columns.ts';
import { readCsv, readJsonl, type CatalogRow } from '../../service/catalog/read.ts';

async function rows(gen: AsyncGenerator<CatalogRow>): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const r of gen) out.push(r);
  return out;
}
const source = (text: string) => Readable.from([Buffer.from(text)]);

describe('--map', () => {
  it('takes field=column pairs, comma-separated or repeated', () => {
    expect(parseColumnMap(['id=sku,title=product_name', 'attributes.colour=color'])).toEqual({ id: 'sku', title: 'product_name', 'attributes.colour': 'color' });
    expect(parseColumnMap([])).toEqual({});
  });

  it('refuses what is not a pair, a field that is not a catalog field, and a field or column used twice', () => {
    expect(() => parseColumnMap(['title'])).toThrow(/"title" is not field=column/);
    expect(() => parseColumnMap(['=name'])).toThrow(/not field=column/);
    expect(() => parseColumnMap(['name=product_name'])).toThrow(/"name" is not a catalog field \(id, title, description/);
    expect(() => parseColumnMap(['specs=x'])).toThrow(/"specs" is not a catalog field/);
    expect(() => parseColumnMap(['title=a', 'title=b'])).toThrow(/title is mapped twice/);
    expect(() => parseColumnMap(['title=a,description=a'])).toThrow(/column "a" is mapped to both title and description/);
  });
});

describe('attributes in one column (name:value pairs, as WANDS product_features)', () => {
  it('reads pairs separated by | or ;, with : or =, joining a name given twice; refuses what is not such a list', () => {
    expect(attributePairs('overallwidth-sidetoside:64.7|dsprimaryproductstyle:modern|color:white|color:oak')).toEqual({
      'overallwidth-sidetoside': '64.7',
      dsprimaryproductstyle: 'modern',
      color: 'white, oak',
    });
    expect(attributePairs('finish=brass; bulbs = 3')).toEqual({ finish: 'brass', bulbs: '3' });
    // Names an object inherits are names like any other.
    expect(attributePairs('constructor:oak|toString:x')).toEqual({ constructor: 'oak', toString: 'x' });
    expect(attributePairs('a lovely lamp')).toBeUndefined();
    expect(attributePairs(':x')).toBeUndefined();
    expect(attributePairs('__proto__:x')).toBeUndefined();
    expect(attributePairs('')).toBeUndefined();
  });

  it('maps a features column to attributes with --map attributes=<column>, beside unmapped columns, in CSV and JSON Lines', async () => {
    expect(parseColumnMap(['attributes=product_features'])).toEqual({ attributes: 'product_features' });
    const columns = { map: { id: 'product_id', title: 'product_name', attributes: 'product_features' }, unmapped: 'attributes' as const };
    const csv = await rows(readCsv(source('product_id\tproduct_name\tproduct_features\tstyle\n1\tOak bed\tcolor:oak|slats:yes\tmodern\n'), { columns }));
    expect(csv).toEqual([{ line: 2, ok: true, doc: { id: '1', title: 'Oak bed', attributes: { color: 'oak', slats: 'yes', style: 'modern' } } }]);
    const jsonl = await rows(readJsonl(source(`${JSON.stringify({ product_id: 2, product_name: 'Lamp', product_features: 'finish:brass', style: 'retro' })}\n`), { columns }));
    expect(jsonl).toEqual([{ line: 1, ok: true, doc: { id: '2', title: 'Lamp', attributes: { finish: 'brass', style: 'retro' } } }]);
    // Free text in the features column is refused by name, not guessed at.
    const prose = await rows(readCsv(source('product_id,product_name,product_features\n3,Rug,soft and warm\n'), { columns }));
    expect(prose[0]).toMatchObject({ ok: false, errors: [expect.stringMatching(/^attributes: /)] });
  });
});

describe('mapping columns', () => {
  const map = { id: 'sku', title: 'product_name', 'attributes.colour': 'color' };

  it('renames mapped columns; unknown ones are kept for the schema to refuse, dropped, or kept as attributes', () => {
    const record = { sku: 'A1', product_name: 'Desk', color: 'oak', weight_kg: 12, tags: ['x'], price: 99 };
    expect(mapColumns(record, { map })).toEqual({ id: 'A1', title: 'Desk', attributes: { colour: 'oak' }, weight_kg: 12, tags: ['x'], price: 99 });
    expect(mapColumns(record, { map, unmapped: 'ignore' })).toEqual({ id: 'A1', title: 'Desk', attributes: { colour: 'oak' }, price: 99 });
    // A list becomes one value, a nested object is kept for the schema to refuse by name; an attribute the row
    // already has wins over a column of the same name.
    expect(mapColumns({ ...record, dims: { w: 1 }, attributes: { weight_kg: 13 } }, { map, unmapped: 'attributes' })).toEqual({
      id: 'A1',
      title: 'Desk',
      price: 99,
      attributes: { colour: 'oak', weight_kg: 13, tags: 'x', dims: { w: 1 } },
    });
    expect(mapColumns({ id: 'x', title: 'y' }, {})).toEqual({ id: 'x', title: 'y' });
  });

  it('reads JSON Lines and CSV through the map', async () => {
    const columns = { map: { id: 'sku', title: 'product_name', rating: 'stars' }, unmapped: 'attributes' as const };
    const jsonl = await rows(readJsonl(source(`${JSON.stringify({ sku: 7, product_name: 'Lamp', stars: 4.5, finish: 'brass' })}\n`), { columns }));
    expect(jsonl).toEqual([{ line: 1, ok: true, doc: { id: '7', title: 'Lamp', rating: 4.5, attributes: { finish: 'brass' } } }]);
    const csv = await rows(readCsv(source('sku,product_name,stars,finish\nA2,Table,3.5,walnut\n'), { columns }));
    expect(csv).toEqual([{ line: 2, ok: true, doc: { id: 'A2', title: 'Table', rating: 3.5, attributes: { finish: 'walnut' } } }]);
    // Without a map the same row is refused, each unknown column named.
    const refused = await rows(readCsv(source('sku,product_name\nA2,Table\n')));
    expect(refused[0]).toMatchObject({ ok: false, errors: expect.arrayContaining(['sku: unknown field', 'product_name: unknown field', 'id: required (expected string or number)']) });
    expect(unknownColumnsOf((refused[0] as { errors: string[] }).errors)).toEqual(['sku', 'product_name']);
  });
});

describe('the suggested --map', () => {
  it('maps common column names once per field and leaves the rest', () => {
    expect(suggestMap(['product_id', 'product_name', 'product_description', 'product_class', 'rating_count', 'average_rating', 'color'])).toBe(
      'id=product_id,title=product_name,description=product_description,category=product_class,review_count=rating_count,rating=average_rating',
    );
    expect(suggestMap(['name', 'product_name'])).toBe('title=name');
    // Column names of public product data sets.
    expect(suggestMap(['product_uid', 'product_title', 'product_brand', 'product_color'])).toBe('id=product_uid,title=product_title,brand=product_brand');
    expect(suggestMap(['article_id', 'prod_name', 'product_type_name', 'detail_desc'])).toBe('id=article_id,title=prod_name,category=product_type_name,description=detail_desc');
    expect(suggestMap(['uniq_id', 'product_category_tree', 'retail_price', 'discounted_price', 'imUrl'])).toBe('id=uniq_id,category=product_category_tree,price=retail_price,image=imUrl');
    expect(suggestMap(['category hierarchy'])).toBe('category=category hierarchy');
    expect(suggestMap(['product_id', 'product_features'])).toBe('id=product_id,attributes=product_features');
    // WANDS: a category path beats the flat class whichever comes first, and review_count, a column the file
    // already has, is not proposed again for rating_count.
    const wands = ['product_id', 'product_name', 'product_class', 'category hierarchy', 'product_description', 'product_features', 'rating_count', 'average_rating'];
    expect(suggestMap(wands, [...wands, 'review_count'])).toBe(
      'id=product_id,title=product_name,category=category hierarchy,description=product_description,attributes=product_features,rating=average_rating',
    );
    expect(suggestMap(['rating_count'])).toBe('review_count=rating_count');
    expect(suggestMap(['colour', 'weight'])).toBeUndefined();
  });
});
