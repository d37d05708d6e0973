/** The web page's pure logic: the request it sends, the spans it shows, its plot scales and duplicate clusters. */
import { describe, expect, it } from 'vitest';
import { EMPTY_FILTERS, canSearch, curlCommand, filtersOf, searchBody, type SearchForm } from '../../service/web/src/request.ts';
import { ignoreSpan, understoodSpans } from '../../service/web/src/understood.ts';
import { linearScale, niceMax, niceTicks, sharedScale, stackExtent, fmt } from '../../service/web/src/plots/scale.ts';
import { highlightParts } from '../../service/web/src/highlight.ts';
import { duplicateClusters } from '../../service/web/src/plots/clusters.ts';
import { parseRoute } from '../../service/web/src/route.ts';
import { SearchRequestSchema } from '../../service/app/routes/search.ts';

const form = (patch: Partial<SearchForm> = {}): SearchForm => ({ index: 'products', head: 'default', query: 'quiet dishwasher', topK: 10, image: null, filters: EMPTY_FILTERS, ...patch });

describe('the search request', () => {
  it('turns the filter form into the API filters, leaving out what is not set', () => {
    expect(filtersOf(EMPTY_FILTERS)).toBeUndefined();
    const f = filtersOf({
      ...EMPTY_FILTERS,
      brands: ['Bosch', 'Miele'],
      category: 'appliances/kitchen',
      priceMin: ' 100 ',
      priceMax: '800',
      ratingMin: '4',
      releasedFrom: '2024-01-01',
      attributes: { energy_class: { kind: 'value', value: 'A' }, third_rack: { kind: 'bool', value: 'true' }, noise_db: { kind: 'range', min: '', max: '45' }, color: { kind: 'value', value: '' } },
    });
    expect(f).toEqual({
      brand: ['Bosch', 'Miele'],
      category: 'appliances/kitchen',
      price: { gte: 100, lte: 800 },
      rating: { gte: 4 },
      release_date: { gte: '2024-01-01' },
      attributes: { energy_class: 'A', third_rack: true, noise_db: { lte: 45 } },
    });
  });

  it('makes bodies the API accepts: reranked with weights, first stage alone, BM25 alone without the picture', () => {
    const withImage = form({ image: { dataUrl: 'data:image/png;base64,iVBORw0KGgo=', name: 'a.png' } });
    const bodies = [
      searchBody(form(), { weights: { relevance: 0.5, recency: 1 } }),
      searchBody(withImage, { rerank: false, window: 100 }),
      searchBody(withImage, { rerank: false, mode: 'bm25', withoutImage: true, window: 100 }),
    ];
    for (const b of bodies) expect(SearchRequestSchema.safeParse(b).success).toBe(true);
    expect(bodies[0]).toMatchObject({ rerank: { head: 'default', weights: { relevance: 0.5, recency: 1 } }, explain: true, snippets: 2, top_k: 10 });
    expect(bodies[1]).toMatchObject({ rerank: false, explain: false, window: 100, image: withImage.image!.dataUrl });
    expect(bodies[2]).not.toHaveProperty('image');
    expect(bodies[2]).toMatchObject({ mode: 'bm25' });
  });

  it('passes a bad bound through as typed, so the API names the field', () => {
    const body = searchBody(form({ filters: { ...EMPTY_FILTERS, priceMax: 'cheap' } }));
    const parsed = SearchRequestSchema.safeParse(body);
    expect(parsed.success).toBe(false);
    // Range bounds are typed per field (numbers for price), so the error names the bound itself.
    expect(parsed.error!.issues[0]!.path.join('.')).toBe('filters.price.lte');
  });

  it('knows when there is nothing to search by', () => {
    expect(canSearch(form({ query: '  ' }))).toBe(false);
    expect(canSearch(form({ query: '', filters: { ...EMPTY_FILTERS, brands: ['LG'] } }))).toBe(true);
  });

  it('writes curl with the key as a variable, never the key, and quotes the body for the shell', () => {
    const cmd = curlCommand('http://127.0.0.1:8787', { query: "it's quiet" }, true);
    expect(cmd).toContain('"authorization: Bearer $STRATA_API_KEY"');
    expect(cmd).toContain(`-d '{"query":"it'\\''s quiet"}'`);
    expect(curlCommand('http://h', {}, false)).not.toContain('authorization');
  });
});

describe('understood spans', () => {
  const q = 'quiet dishwasher not bosch under $800';
  it('labels spans of the service shape (value, range, negation, boost, relaxed) and drops those that do not fit the query', () => {
    const spans = understoodSpans(
      {
        spans: [
          { start: 27, end: 37, kind: 'price', field: 'price', range: { lte: 800 }, effect: 'filter', status: 'applied', negated: false },
          { start: 17, end: 26, kind: 'brand', field: 'brand', value: 'Bosch', negated: true, effect: 'filter', status: 'applied' },
          { start: 0, end: 5, kind: 'attribute', field: 'attributes.noise', value: ['quiet', 'silent'], negated: false, effect: 'boost', status: 'relaxed' },
          { start: 0, end: 99, kind: 'bad' },
          { start: 'x' },
          'junk',
        ],
      },
      q,
    );
    expect(spans.map((s) => [s.text, s.label])).toEqual([
      ['quiet', 'attributes.noise = quiet or silent (boost, relaxed: nothing matched)'],
      ['not bosch', 'not brand = Bosch'],
      ['under $800', 'price ≤ 800'],
    ]);
    expect(understoodSpans(undefined, q)).toEqual([]);
    expect(understoodSpans({ spans: 'no' }, q)).toEqual([]);
  });

  it('removing a chip leaves its span out of this query only, and the body asks the API to ignore it', () => {
    const first = ignoreSpan(undefined, q, { start: 17, end: 26 });
    const both = ignoreSpan(first, q, { start: 27, end: 37 });
    expect(both.spans).toEqual([{ start: 17, end: 26 }, { start: 27, end: 37 }]);
    expect(ignoreSpan(both, 'another query', { start: 0, end: 7 }).spans).toEqual([{ start: 0, end: 7 }]);
    const body = searchBody(form({ query: q, ignore: first }));
    expect(body.understand).toEqual({ ignore: [{ start: 17, end: 26 }] });
    expect(searchBody(form({ query: 'edited', ignore: first })).understand).toBeUndefined();
  });
});

describe('plots', () => {
  it('scales linearly and picks round ticks', () => {
    const s = linearScale([0, 2], [0, 100]);
    expect(s(1)).toBe(50);
    expect(s.k).toBe(50);
    expect(niceTicks(0, 1.2, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1, 1.2]);
    expect(niceMax(1.17)).toBeCloseTo(1.2, 12);
    expect(niceMax(0)).toBe(1);
  });

  it('shares one scale across stacked bars, negatives to the left of zero', () => {
    expect(stackExtent({ a: 1, b: -0.5, c: 0.25 })).toEqual({ pos: 1.25, neg: -0.5 });
    const s = sharedScale([{ a: 0.9, b: 0.1 }, { a: 1.3, b: -0.2 }], 300);
    expect(s.domain[0]).toBeLessThan(0);
    expect(s.domain[1]).toBeGreaterThanOrEqual(1.3);
    expect(s(s.domain[1])).toBe(300);
  });

  it('formats numbers for labels', () => {
    expect(fmt(0.123456)).toBe('0.123');
    expect(fmt(null)).toBe('–');
    expect(fmt(3)).toBe('3');
    expect(fmt(0.00001)).toBe('1.0e-5');
  });

  it('splits snippet text at highlight offsets, clipping bad ones', () => {
    expect(highlightParts('a quiet fridge', [{ start: 2, end: 7 }])).toEqual([
      ['a ', false],
      ['quiet', true],
      [' fridge', false],
    ]);
    expect(highlightParts('abc', [{ start: 1, end: 99 }, { start: 0, end: 2 }])).toEqual([
      ['ab', true],
      ['c', true],
    ]);
  });

  it('joins near-duplicate pairs into clusters beside the exact groups', () => {
    const clusters = duplicateClusters([['x', 'y', 'z']], [
      { a: 'a', b: 'b', cosine: 0.97 },
      { a: 'b', b: 'c', cosine: 0.96 },
      { a: 'd', b: 'e', cosine: 0.99 },
    ]);
    expect(clusters.map((c) => [c.exact, c.ids])).toEqual([
      [true, ['x', 'y', 'z']],
      [false, ['a', 'b', 'c']],
      [false, ['d', 'e']],
    ]);
    expect(clusters[1]!.edges).toHaveLength(2);
  });
});

describe('routes', () => {
  it('reads the view and its argument from the hash', () => {
    expect(parseRoute('#/models/eval%20x')).toEqual({ view: 'models', arg: 'eval x' });
    expect(parseRoute('')).toEqual({ view: 'search', arg: '' });
    expect(parseRoute('#/nowhere')).toEqual({ view: 'search', arg: '' });
  });
});
