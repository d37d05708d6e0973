import { describe, expect, it } from 'vitest';
import { cleanText, normalizeCategory } from '../../service/catalog/clean.ts';
import { prepareDocument, embeddingText } from '../../service/indexing/prepare.ts';

describe('cleanText', () => {
  it('removes HTML tags, scripts and entities but keeps the words', () => {
    const r = cleanText('<p>Energy class <b>A++</b> &amp; quiet</p><script>alert(1)</script><img src="x.png">');
    expect(r.text).toBe('Energy class A++ & quiet');
    expect(r.truncated).toBe(false);
  });

  it('strips markdown emphasis, headings, links and code but keeps product codes with underscores', () => {
    const r = cleanText('## Specs\n**Capacity**: 9 kg, [manual](http://x/y.pdf), `RF28R7351SG`, model_x_2');
    expect(r.text).toBe('Specs\nCapacity: 9 kg, manual, RF28R7351SG, model_x_2');
  });

  it('caps a huge field and says so', () => {
    const r = cleanText('word '.repeat(10_000_000), { maxChars: 1000 });
    expect(r.text.length).toBe(1000);
    expect(r.truncated).toBe(true);
  });
});

describe('normalizeCategory', () => {
  it('turns breadcrumbs into the catalog path form and leaves paths and names alone', () => {
    expect(normalizeCategory('Furniture / Office Furniture / Desks')).toBe('Furniture/Office Furniture/Desks');
    expect(normalizeCategory(' Home > Kitchen >  Dishwashers ')).toBe('Home/Kitchen/Dishwashers');
    expect(normalizeCategory('Men › Shoes » Boots')).toBe('Men/Shoes/Boots');
    expect(normalizeCategory("Clothing >> Women's Clothing >> Tops")).toBe("Clothing/Women's Clothing/Tops");
    expect(normalizeCategory('appliances/kitchen/')).toBe('appliances/kitchen');
    expect(normalizeCategory('a>b')).toBe('a>b');
    expect(normalizeCategory('TV & Video')).toBe('TV & Video');
    expect(prepareDocument({ id: '1', title: 't', category: 'Home > Kitchen' }).doc.category).toBe('Home/Kitchen');
  });
});

describe('prepareDocument', () => {
  it('cleans text fields, reports truncated ones, and builds the embedding text', () => {
    const { doc, truncated } = prepareDocument(
      { id: '1', title: '<h1>Acme Fridge</h1>', description: 'x'.repeat(50), brand: '**Acme**', category: 'appliances/fridges' },
      { maxFieldChars: 20 },
    );
    expect(doc.title).toBe('Acme Fridge');
    expect(doc.brand).toBe('Acme');
    expect(truncated).toEqual(['description']);
    expect(embeddingText(doc)).toBe(`Acme Fridge\nAcme\nappliances fridges\n${'x'.repeat(20)}`);
  });
});
