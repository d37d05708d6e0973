import { describe, expect, it } from 'vitest';
import { PRODUCT_FEATURES, productContext, productFeatures } from '../../service/features/product.ts';
import { quantitiesIn, quantitiesOfAttributes, sameQuantity } from '../../service/features/units.ts';
import { assembleFeatures } from '../../service/features/assemble.ts';
import { describeFeature } from '../../service/features/scopes.ts';
import type { CatalogDocument } from '../../service/catalog/schema.ts';

const feat = (values: number[]) => Object.fromEntries(PRODUCT_FEATURES.map((n, i) => [n, values[i]]));

describe('units', () => {
  it('reads numbers with units in text and attributes, in base units', () => {
    expect(quantitiesIn('Samsung 55-inch TV, 2 TB, 10,000 mAh, 1,5 kg')).toEqual([
      { dimension: 'length', value: 55 * 0.0254 },
      { dimension: 'data', value: 2000 },
      { dimension: 'charge', value: 10000 },
      { dimension: 'mass', value: 1.5 },
    ]);
    expect(quantitiesIn('a 2 in 1 laptop')).toEqual([]);
    expect(quantitiesIn('13.3 in, 55" and 6.1in').map((q) => q.dimension)).toEqual(['length', 'length', 'length']);
    expect(quantitiesOfAttributes({ capacity_l: 500, noise: '42 dB', colour: 'red', id: 7 })).toEqual([
      { dimension: 'volume', value: 500 },
      { dimension: 'sound', value: 42 },
    ]);
    expect(sameQuantity({ dimension: 'data', value: 2000 }, quantitiesIn('2000GB')[0]!)).toBe(true);
    expect(sameQuantity({ dimension: 'length', value: 6.1 * 0.0254 }, quantitiesIn('155 mm')[0]!)).toBe(true);
  });
});

describe('product features', () => {
  const docs: Array<Partial<CatalogDocument>> = [
    { title: 'Galaxy 55 inch QLED', brand: 'Samsung', category: 'tv/televisions', attributes: { colour: 'Navy Blue', gender: 'Men' } },
    { title: 'Bravia 65 inch', brand: 'Sony', category: 'tv/televisions', attributes: { colour: 'Blue', gender: 'Women' } },
    { title: 'Soundbar 300 W', brand: 'Samsung', category: 'audio/soundbars', attributes: { colour: 'Black' } },
    { title: 'Cable', category: 'accessories/cables' },
  ];

  it('matches units, brands, attribute values and categories against each candidate, and flags conflicts', () => {
    const ctx = productContext('samsung 55 inch navy blue televisions for men', docs);
    expect([...ctx.brands]).toEqual(['samsung']);
    expect([...ctx.attributes.get('colour')!]).toEqual(['navy blue']); // "blue" only inside "navy blue"
    expect([...ctx.categories]).toEqual(['television']);
    const rows = docs.map((d) => feat(productFeatures(ctx, d, `${d.title}`)));
    expect(rows[0]).toEqual(feat([1, 0, 1, 0, 1, 0, 1, 0, 0]));
    expect(rows[1]).toEqual(feat([0, 1, 0, 1, 0, 1, 1, 0, 0]));
    expect(rows[2]).toMatchObject({ 'prod:brand_match': 1, 'prod:attr_conflict': 0.5, 'prod:category_conflict': 1, 'prod:unit_conflict': 0 });
    // Unknown brand or category: no conflict claimed.
    expect(rows[3]).toMatchObject({ 'prod:brand_conflict': 0, 'prod:category_conflict': 1, 'prod:attr_match': 0 });
  });

  it('flags code-like queries and stays silent for queries that mention nothing', () => {
    expect(productFeatures(productContext('RF28R7351 fridge', docs), docs[0]!, '')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(productFeatures(productContext('something nice', docs), docs[0]!, 'Galaxy')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('appear in the assembled features, each with a description', () => {
    const { names, rows } = assembleFeatures({ text: 'sony 65 inch', vectors: {} }, docs.map((doc, i) => ({ id: String(i), doc, vectors: {} })), { textEncoders: [], features: ['prod:brand_match', 'prod:unit_match', 'lex:all_overlap'] });
    expect(names).toEqual(['prod:brand_match', 'prod:unit_match', 'lex:all_overlap']);
    expect(Array.from(rows.subarray(3, 6))).toEqual([1, 1, 1]);
    for (const n of PRODUCT_FEATURES) expect(describeFeature(n)).not.toBe('');
    expect(() => assembleFeatures({ text: 'x', vectors: {} }, [], { textEncoders: [], features: ['nope'] })).toThrow(/nope/);
  });
});
