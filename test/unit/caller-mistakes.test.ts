/**
 * Caller mistakes are named before Elasticsearch sees them (filters typed and bounded, date maths, ids in bytes),
 * and Elasticsearch's own refusals map to 4xx naming the field: pure logic, no services.
 */
import { describe, expect, it } from 'vitest';
import { FiltersSchema, isDateBound, MAX_FILTER_IDS } from '../../service/retrieval/filters.ts';
import { attributeProblem } from '../../service/retrieval/check-filters.ts';
import { esFailure } from '../../service/es/client.ts';
import { CatalogDocumentSchema } from '../../service/catalog/schema.ts';
import { issuesOf } from '../../service/app/validate.ts';
import { RerankRequestSchema } from '../../service/app/routes/rerank-schema.ts';
import { ownerOfName, ownsName, tenantName } from '../../service/tenants.ts';

const issues = (value: unknown) => {
  const r = FiltersSchema.safeParse(value);
  return r.success ? [] : issuesOf(r.error);
};

describe('filters', () => {
  it('takes ISO dates and Elasticsearch date maths, and nothing else', () => {
    for (const ok of ['2024-05-01', '2024-05-01T10:00:00Z', 'now', 'now-30d', 'now-1M/d', 'now+1h-5m', '2024-05-01||+1M/d']) expect(isDateBound(ok), ok).toBe(true);
    for (const bad of ['now-abc', 'now-', 'yesterday', '2024-13-45', 'now-30x', '1714521600']) expect(isDateBound(bad), bad).toBe(false);
    expect(issues({ release_date: { gte: 'now-abc' } })[0]).toMatchObject({ path: 'release_date.gte' });
  });

  it('bounds ids (count and bytes), category prefixes and value lengths', () => {
    expect(issues({ ids: Array.from({ length: MAX_FILTER_IDS + 1 }, (_, i) => `${i}`) })[0]).toMatchObject({ path: 'ids', message: 'at most 10000 ids' });
    expect(issues({ ids: [] })[0]?.path).toBe('ids');
    expect(issues({ ids: ['中'.repeat(171)] })[0]).toMatchObject({ path: 'ids.0', message: expect.stringMatching(/512 bytes/) });
    expect(issues({ ids: ['中'.repeat(170)] })).toEqual([]);
    expect(issues({ category: 'x'.repeat(1000) })[0]).toMatchObject({ path: 'category' });
    expect(issues({ brand: ['ok', 'y'.repeat(2000)] })[0]?.path).toBe('brand.1');
    expect(issues({ attributes: { color: 'z'.repeat(2000) } })[0]?.path).toMatch(/^attributes\.color/);
  });

  it('refuses attribute names that would touch prototypes (__proto__ itself: the JSON-body guard, see middleware.test.ts)', () => {
    const r = FiltersSchema.safeParse(JSON.parse('{"attributes":{"constructor":"y","prototype":"z"}}'));
    expect(r.success).toBe(false);
    expect(issuesOf(r.error!).map((i) => i.path)).toEqual(['attributes.constructor', 'attributes.prototype']);
  });

  it('types attribute values by the mapped type', () => {
    expect(attributeProblem('double', 'heavy')).toMatch(/number attribute \(double\); "heavy" is not a number/);
    expect(attributeProblem('double', '12.5')).toBeUndefined();
    expect(attributeProblem('long', { gte: 1, lte: 'many' })).toMatch(/"many"/);
    expect(attributeProblem('boolean', { gte: 1 })).toMatch(/not a range/);
    expect(attributeProblem('boolean', ['true', false])).toBeUndefined();
    expect(attributeProblem('boolean', 'yes')).toMatch(/true\/false/);
    expect(attributeProblem('date', 'now-abc')).toMatch(/date attribute/);
    expect(attributeProblem('keyword', 42)).toBeUndefined();
  });
});

describe('values of none of a field\'s forms', () => {
  it('names the forms and what came instead, or the issues of the form whose type it had', () => {
    const rerank = (value: unknown) => {
      const r = RerankRequestSchema.safeParse(value);
      return r.success ? [] : issuesOf(r.error);
    };
    expect(rerank({ query: 'q', documents: ['a', null, 3] })).toEqual([
      { path: 'documents.1', message: 'expected string or object, received null' },
      { path: 'documents.2', message: 'expected string or object, received number' },
    ]);
    expect(rerank({ query: 'q', documents: ['a'], snippets: 'yes' })).toEqual([{ path: 'snippets', message: 'expected boolean or number, received string' }]);
    // A list was one of the forms: its own limit is what went wrong.
    expect(issues({ brand: Array.from({ length: 1001 }, () => 'b') })).toEqual([{ path: 'brand', message: 'at most 1000 values' }]);
    expect(issues({ brand: 7 })).toEqual([{ path: 'brand', message: 'expected string or array, received number' }]);
    // Nested unions (an attribute is a scalar, a list or a range) list every form.
    expect(issues({ attributes: { size: null } })).toEqual([
      { path: 'attributes.size', message: 'expected string, number, boolean, array or object, received null' },
    ]);
  });
});

describe('ids in bytes', () => {
  it('refuses an id over 512 bytes even when it is under 512 characters', () => {
    const r = CatalogDocumentSchema.safeParse({ id: '中'.repeat(171), title: 'x' });
    expect(r.success).toBe(false);
    expect(issuesOf(r.error!)[0]).toMatchObject({ path: 'id', message: 'must be at most 512 bytes in UTF-8' });
    const date = CatalogDocumentSchema.safeParse({ id: 'a', title: 'x', release_date: 'yesterday' });
    expect(issuesOf(date.error!)).toEqual([{ path: 'release_date', message: 'expected an ISO date such as 2024-05-01' }]);
    expect(CatalogDocumentSchema.safeParse({ id: 'é'.repeat(256), title: 'x' }).success).toBe(true);
  });
});

describe('Elasticsearch refusals', () => {
  it('maps a missing index to 404 naming it', () => {
    const e = esFailure({ type: 'index_not_found_exception', reason: 'no such index [nope]', index: 'nope' }, 404);
    expect(e).toMatchObject({ code: 'not_found', status: 404, message: 'index "nope" not found' });
  });

  it('maps a 4xx parse failure to 400 naming the field (from the reason, else the caller\'s guess)', () => {
    const named = esFailure(
      { type: 'search_phase_execution_exception', reason: 'all shards failed', root_cause: [{ type: 'query_shard_exception', reason: 'failed to parse date field [now-abc] with format [strict_date_optional_time]: field [release_date]' }] },
      400,
      { what: 'BM25 search', path: 'filters' },
    );
    expect(named).toMatchObject({ code: 'validation', status: 400 });
    expect((named.details as { issues: Array<{ path: string }> }).issues[0]!.path).toBe('filters.release_date');
    const guessed = esFailure({ type: 'search_phase_execution_exception', root_cause: [{ type: 'number_format_exception', reason: 'For input string: "x"' }] }, 400, { path: 'filters' });
    expect((guessed.details as { issues: Array<{ path: string }> }).issues[0]!.path).toBe('filters');
  });

  it('keeps server-side failures as 502', () => {
    expect(esFailure({ type: 'illegal_state_exception', reason: 'boom' }, 500)).toMatchObject({ code: 'es_error', status: 502 });
    expect(esFailure({ type: 'es_rejected_execution_exception', reason: 'queue full' }, 429)).toMatchObject({ status: 502 });
  });
});

describe('tenant ownership', () => {
  it('is exact: acme owns acme and acme--*, never acme-corp--*', () => {
    expect(ownsName('acme', 'acme')).toBe(true);
    expect(ownsName('acme', 'acme--products')).toBe(true);
    expect(ownsName('acme', 'acme-corp--products')).toBe(false);
    expect(ownsName('acme', 'acme-corp')).toBe(false);
    expect(ownsName('acme', 'acme-products')).toBe(false);
    expect(ownsName('acme-corp', 'acme--products')).toBe(false);
    expect(ownsName('*', 'anything')).toBe(true);
    expect(ownerOfName('acme-corp--intents')).toBe('acme-corp');
    expect(ownerOfName('intents')).toBeNull();
    expect(tenantName('acme', 'products')).toBe('acme--products');
    expect(tenantName('*', 'products')).toBe('products');
  });
});
