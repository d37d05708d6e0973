/**
 * Catalogs with their own column names: `--map` parsing, renaming (JSON objects and CSV rows), what happens to
 * the other columns, and the `--map` suggested when rows are refused for unknown columns. Pure logic.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mapColumns, parseColumnMap, suggestMap, unknownColumnsOf } from '../../service/catalog/columns.ts';
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
    expect(() => parseColumnMap(['attributes=specs'])).toThrow(/not a catalog field/);
    expect(() => parseColumnMap(['title=a', 'title=b'])).toThrow(/title is mapped twice/);
    expect(() => parseColumnMap(['title=a,description=a'])).toThrow(/column "a" is mapped to both title and description/);
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
    expect(refused[0]).toMatchObject({ ok: false, errors: expect.arrayContaining(['sku: unknown field', 'product_name: unknown field', 'id: expected string or number, received undefined']) });
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
    expect(suggestMap(['colour', 'weight'])).toBeUndefined();
  });
});
