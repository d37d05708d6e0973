/** The per-document answer of a documents request, from an indexing report: every document not listed was stored. */
import { describe, expect, it } from 'vitest';
import { documentOutcomes } from '../../service/app/routes/documents.ts';
import type { IndexReport } from '../../service/indexing/index-documents.ts';
import { strataError } from '../../service/errors.ts';

const base = (over: Partial<IndexReport>): IndexReport => ({ indexed: 0, invalid: [], dropped: [], unacknowledged: [], truncated: [], encodeErrors: [], seconds: 0, timings: { cleanMs: 0, encodeMs: 0, packMs: 0, bulkMs: 0, wallMs: 0 }, retries: 0, indexedLines: [], ...over });

describe('documentOutcomes', () => {
  it('lists invalid, rejected, unknown and never-sent documents by position, and counts only certain failures as failed', () => {
    const report = base({
      indexed: 2,
      indexedLines: [0, 3],
      invalid: [{ line: 1, errors: ['title: required'] }],
      dropped: [{ line: 2, id: 'b', status: 400, error: 'document_parsing_exception: bad' }],
      unacknowledged: [{ line: 4, id: 'e' }],
      interrupted: strataError('es_unavailable', { url: 'http://es', reason: 'ECONNREFUSED' }),
    });
    const out = documentOutcomes(report, 6);
    expect(out.indexed).toBe(2);
    expect(out.errors.map((e) => [e.position, e.status])).toEqual([
      [1, 'invalid'],
      [2, 'rejected'],
      [4, 'unknown'],
      [5, 'not_indexed'],
    ]);
    expect(out.failed).toBe(3);
    expect(out.unknown).toBe(1);
    expect(out.errors[3]!.errors[0]).toMatch(/not reachable at http:\/\/es/);
    expect(out.interrupted).toMatchObject({ code: 'es_unavailable' });
  });

  it('has nothing to list when every document was stored', () => {
    expect(documentOutcomes(base({ indexed: 3, indexedLines: [0, 1, 2] }), 3)).toMatchObject({ indexed: 3, failed: 0, unknown: 0, errors: [] });
  });
});
