/**
 * The built-in query parser, kind by kind, against real catalog vocabularies: the demo catalog from its
 * generator (1,000 products) and the fashion products from their CSV, both compiled exactly as the service
 * compiles an index's aggregations and sample.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeDemoCatalog } from '../../training/demo/make-catalog.ts';
import { readFashion } from '../../training/scripts/fashion-catalog.ts';
import { factsFromDocuments } from '../../service/query/facts.ts';
import { compileVocabulary, type Vocabulary } from '../../service/query/vocabulary.ts';
import { understandQuery } from '../../service/query/understand.ts';
import { UnderstandingSchema, type Span } from '../../service/query/schema.ts';

let demo: Vocabulary;
let fashion: Vocabulary;

beforeAll(async () => {
  demo = compileVocabulary(factsFromDocuments(makeDemoCatalog({ count: 1000 })));
  const shared = path.resolve(import.meta.dirname, '../../../shared/data/fashion-products');
  fashion = compileVocabulary(factsFromDocuments(await readFashion(shared)));
});

const spansOf = (q: string, v = demo) => understandQuery(q, v).spans;
const only = (q: string, field: string, v = demo): Span => {
  const found = spansOf(q, v).filter((s) => s.field === field);
  expect(found, `${q}: one span on ${field}`).toHaveLength(1);
  return found[0]!;
};

describe('every answer fits the shared schema and quotes the query', () => {
  it.each(['samsung 65 inch oled tv under 1500', 'quiet dishwasher with third rack, not bosch', '4+ star headphones released this year', 'red dress for summer'])('%s', (q) => {
    const u = understandQuery(q, q.includes('dress') ? fashion : demo);
    expect(UnderstandingSchema.parse(u)).toEqual(u);
    for (const s of u.spans) expect(q.slice(s.start, s.end)).toBe(s.text);
  });
});

describe('brands', () => {
  it('filters on an exact brand and joins case variants of one name', () => {
    expect(only('bosch dishwasher', 'brand')).toMatchObject({ value: ['Bosch'], effect: 'filter', match: 'exact' });
    expect(understandQuery('fila tshirt', fashion).filters.brand).toEqual(['Fila', 'FILA']);
  });

  it('reads a brand with a typo by character n-grams, and settles a tie by the category named', () => {
    expect(only('samsnug fridge', 'brand')).toMatchObject({ value: ['Samsung'], match: 'typo', effect: 'filter' });
    // "bosh" is one edit from Bosch and from Bose; only Bosch makes dishwashers.
    expect(only('bosh dishwasher', 'brand')).toMatchObject({ value: ['Bosch'], effect: 'filter' });
    // A common word is never "corrected" into a brand.
    expect(spansOf('best value for money')).toEqual([]);
  });

  it('keeps a brand that is also an ordinary word to a soft boost', () => {
    const u = understandQuery('only red dress', fashion);
    expect(u.spans.find((s) => s.field === 'brand')).toMatchObject({ value: ['ONLY'], effect: 'boost' });
    expect(u.filters.brand).toBeUndefined();
  });

  it('prefers the longer reading: "red tape" is a brand, not the colour red', () => {
    const u = understandQuery('red tape shoes', fashion);
    expect(u.filters).toMatchObject({ brand: 'Red Tape', category: 'footwear/shoes' });
    expect(u.spans.some((s) => s.kind === 'colour')).toBe(false);
  });
});

describe('categories', () => {
  it('matches singular and plural, hyphenated and spaced forms', () => {
    for (const q of ['fridge', 'fridges', 'Fridges']) expect(only(q, 'category').value).toEqual(['appliances/kitchen/fridges']);
    for (const q of ['t-shirt', 't shirt', 'tshirts', 'T-Shirts']) expect(only(q, 'category', fashion).value).toEqual(['apparel/topwear/tshirts']);
  });

  it('reads synonyms the catalog supports and one word of a two-word category', () => {
    expect(only('refrigerator', 'category')).toMatchObject({ value: ['appliances/kitchen/fridges'], match: 'synonym', effect: 'filter' });
    expect(only('cordless vacuum', 'category')).toMatchObject({ value: ['appliances/cleaning/vacuum-cleaners'], match: 'partial' });
  });

  it('reads a category with a typo', () => {
    expect(only('dishwaser', 'category')).toMatchObject({ value: ['appliances/kitchen/dishwashers'], match: 'typo' });
    expect(only('sunglases', 'category', fashion).value).toEqual(['accessories/eyewear/sunglasses']);
  });

  it('keeps the most specific of related categories in the filter', () => {
    expect(understandQuery('kitchen appliances', demo).filters.category).toBe('appliances/kitchen');
  });
});

describe('attributes', () => {
  it('reads keyword values and boolean attributes by name', () => {
    expect(understandQuery('french door fridge with ice maker', demo).filters.attributes).toEqual({ style: 'French door', ice_maker: true });
    expect(only('dishwasher with third rack', 'attributes.third_rack')).toMatchObject({ value: true, effect: 'filter' });
  });

  it('reads a title phrase that marks a yes/no attribute ("noise cancelling" for anc)', () => {
    expect(only('noise cancelling headphones', 'attributes.anc')).toMatchObject({ value: true, match: 'synonym' });
  });

  it('takes one-letter values only next to the attribute name', () => {
    expect(only('fridge energy class a', 'attributes.energy_class').value).toBe('A');
    expect(spansOf('a fridge').map((s) => s.field)).toEqual(['category']);
  });

  it('reads gender words in any number', () => {
    for (const q of ['womens handbag', "women's handbag", 'handbag for women']) expect(understandQuery(q, fashion).filters.attributes).toEqual({ gender: 'Women' });
  });
});

describe('colours', () => {
  it('reads catalog colours, multi-word ones and spelling variants', () => {
    expect(understandQuery('black kurta', fashion).filters.attributes).toEqual({ baseColour: 'Black' });
    expect(understandQuery('navy blue polo', fashion).filters.attributes).toEqual({ baseColour: 'Navy Blue' });
    expect(understandQuery('gray tshirt', fashion).filters.attributes).toEqual({ baseColour: 'Grey' });
    expect(only('black stainless refrigerator', 'attributes.color').value).toBe('black stainless');
  });
});

describe('numbers with units', () => {
  it('binds a size to the attribute measured in that unit, at the catalog precision', () => {
    expect(only('65 inch tv', 'attributes.screen_in').range).toEqual({ gte: 65, lt: 65.1 });
    expect(only('75" qled tv', 'attributes.screen_in').range).toEqual({ gte: 75, lt: 75.1 });
    // No 15.0" laptop exists: "15 inch" means 15.x.
    expect(only('15 inch laptop', 'attributes.screen_in').range).toEqual({ gte: 15, lt: 16 });
  });

  it('picks among fields of one unit by a name word or by which values exist', () => {
    expect(only('laptop 16gb ram', 'attributes.ram_gb').range).toEqual({ gte: 16, lt: 17 });
    expect(only('laptop 512gb', 'attributes.storage_gb').range).toEqual({ gte: 512, lt: 513 });
    expect(only('laptop with 1tb ssd', 'attributes.storage_gb').range).toEqual({ gte: 1024, lt: 1025 });
    expect(only('washing machine 9 kg', 'attributes.capacity_kg').range).toEqual({ gte: 9, lt: 10 });
    // "battery" names battery_min (vacuums) and battery_h (headphones): the unit written and the category decide.
    expect(only('stick vacuum with at least 40 minutes battery', 'attributes.battery_min')).toMatchObject({ range: { gte: 40 }, effect: 'filter' });
  });

  it('reads comparators and ranges', () => {
    expect(only('dishwasher under 45 db', 'attributes.noise_db').range).toEqual({ lte: 45 });
    expect(only('dishwasher quieter than 42 dB', 'attributes.noise_db').range).toEqual({ lte: 42 });
    expect(only('fridge 500+ litres', 'attributes.capacity_l').range).toEqual({ gte: 500 });
    expect(only('tv between 50 and 65 inch', 'attributes.screen_in').range).toEqual({ gte: 50, lte: 65 });
  });

  it('binds a number without a unit to an attribute named next to it, and leaves it alone otherwise', () => {
    expect(only('dishwasher 14 place settings', 'attributes.place_settings').range).toEqual({ gte: 14, lt: 15 });
    // The fashion catalog has no size attribute: "size 10" stays plain text.
    const u = understandQuery('puma flip flops size 10', fashion);
    expect(u.spans.map((s) => s.field)).toEqual(['brand', 'category']);
    expect(u.text).toBe('puma flip flops size 10');
  });

  it('boosts a number the catalog cannot place', () => {
    // No 70" TV exists.
    expect(only('70 inch tv', 'attributes.screen_in').effect).toBe('boost');
  });
});

describe('prices, ratings and dates', () => {
  it('turns budgets into price ranges, soft when the index has no prices', () => {
    expect(understandQuery('tv between $200 and $400', demo).filters.price).toEqual({ gte: 200, lte: 400 });
    expect(understandQuery('fridge under 1500', demo).filters.price).toEqual({ lte: 1500 });
    expect(only('shirt under $50', 'price', fashion).effect).toBe('boost');
    // A number with a unit is never a price.
    expect(spansOf('phone with at least 5000 mah battery').map((s) => s.field)).toContain('attributes.battery_mah');
  });

  it('reads ratings, and keeps vague ones soft', () => {
    for (const q of ['4+ stars headphones', 'headphones over 4 stars', 'headphones 4 stars and up', 'headphones rated 4 or higher']) expect(understandQuery(q, demo).filters.rating).toEqual({ gte: 4 });
    expect(only('top rated vacuum', 'rating')).toMatchObject({ range: { gte: 4 }, effect: 'boost' });
  });

  it('reads relative and absolute dates as date math', () => {
    expect(understandQuery('tv released this year', demo).filters.release_date).toEqual({ gte: 'now/y' });
    expect(understandQuery('phones from the last 30 days', demo).filters.release_date).toEqual({ gte: 'now-30d/d' });
    expect(understandQuery('dryer last year', demo).filters.release_date).toEqual({ gte: 'now-1y/y', lt: 'now/y' });
    expect(understandQuery('dishwashers released in the last year', demo).filters.release_date).toEqual({ gte: 'now-1y/d' });
    expect(understandQuery('casual shoes released in 2012', fashion).filters.release_date).toEqual({ gte: '2012-01-01', lt: '2013-01-01' });
    expect(only('new tv', 'release_date')).toMatchObject({ effect: 'boost', range: { gte: 'now-1y/d' } });
  });
});

describe('negation', () => {
  it('excludes the term after a cue, and terms chained to it', () => {
    expect(understandQuery('quiet dishwasher, not bosch', demo).negations).toEqual({ brand: 'Bosch' });
    expect(understandQuery('fridge without ice maker', demo).negations).toEqual({ attributes: { ice_maker: true } });
    expect(understandQuery('fridge not samsung or lg', demo).negations).toEqual({ brand: ['Samsung', 'LG'] });
    expect(understandQuery('dishwasher -bosch', demo).negations).toEqual({ brand: 'Bosch' });
    expect(understandQuery('adidas sports shoes not black', fashion).negations).toEqual({ attributes: { baseColour: 'Black' } });
  });

  it('does not read "non" in a product word as a negation', () => {
    expect(understandQuery('non stick pans', demo).negations).toEqual({});
  });
});

describe('the relevance text and removed chips', () => {
  it('cuts structure phrases and negations, keeps names and words', () => {
    expect(understandQuery('samsung 65 inch oled tv under 1500', demo).text).toBe('samsung oled tv');
    expect(understandQuery('quiet dishwasher with third rack, not bosch', demo).text).toBe('quiet dishwasher with third rack');
    expect(understandQuery('4+ star headphones released this year', demo).text).toBe('headphones');
  });

  it('leaves out spans in ignored ranges', () => {
    const u = understandQuery('samsung tv', demo, { ignore: [{ start: 0, end: 7 }] });
    expect(u.spans.map((s) => s.field)).toEqual(['category']);
    expect(u.filters).toEqual({ category: 'electronics/tv' });
  });
});
