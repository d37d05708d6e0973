/**
 * Term statistics of an index for request-local BM25 (features/local-bm25.ts): the document frequency of each
 * query stem and the mean length of the stemmed title and body fields, read with one `_termvectors` call on an
 * artificial document holding the stemmed query. Cached per index and stem for a minute: statistics drift slowly
 * and the same query terms come back often.
 */
import type { Client } from '@elastic/elasticsearch';
import { LRUCache } from 'lru-cache';
import type { FieldStats, LexicalStats } from '../features/local-bm25.ts';
import { esCall } from '../es/client.ts';

const FIELDS = { title: 'stemmed_title', body: 'stemmed_body' } as const;

interface TermVectorsField {
  field_statistics?: { sum_doc_freq?: number; doc_count?: number; sum_ttf?: number };
  terms?: Record<string, { doc_freq?: number }>;
}

export interface TermStatsSource {
  /** Statistics of `stems` in `index` (stems the index has never seen get df 0). */
  get(index: string, stems: readonly string[], signal?: AbortSignal): Promise<LexicalStats>;
}

/**
 * A cached source of index term statistics.
 *
 * @example const stats = await createTermStats(es).get('products', queryStems('quiet fridge'));
 */
export function createTermStats(client: Client, { ttlMs = 60_000, max = 50_000 } = {}): TermStatsSource {
  const fieldCache = new LRUCache<string, { docCount: number; avgLength: number }>({ max: 1000, ttl: ttlMs });
  const dfCache = new LRUCache<string, number>({ max, ttl: ttlMs });
  const key = (index: string, field: string, stem: string) => `${index}\u0000${field}\u0000${stem}`;
  return {
    async get(index, stems, signal) {
      const unknown = stems.filter((s) => dfCache.get(key(index, 'title', s)) === undefined || dfCache.get(key(index, 'body', s)) === undefined);
      if (unknown.length || !fieldCache.has(`${index}\u0000title`) || !fieldCache.has(`${index}\u0000body`)) {
        const text = (unknown.length ? unknown : stems.slice(0, 1)).join(' ') || 'the';
        const res = await esCall(client, (c) =>
          c.termvectors(
            { index, doc: { [FIELDS.title]: text, [FIELDS.body]: text }, fields: [FIELDS.title, FIELDS.body], term_statistics: true, field_statistics: true, positions: false, offsets: false, payloads: false },
            signal ? { signal } : {},
          ),
        );
        const vectors = (res.term_vectors ?? {}) as Record<string, TermVectorsField>;
        for (const [name, field] of Object.entries(FIELDS)) {
          const v = vectors[field];
          const fs = v?.field_statistics;
          if (fs?.doc_count !== undefined) fieldCache.set(`${index}\u0000${name}`, { docCount: fs.doc_count, avgLength: fs.doc_count ? (fs.sum_ttf ?? 0) / fs.doc_count : 0 });
          for (const s of unknown) dfCache.set(key(index, name, s), v?.terms?.[s]?.doc_freq ?? 0);
        }
      }
      const field = (name: 'title' | 'body'): FieldStats => {
        const f = fieldCache.get(`${index}\u0000${name}`) ?? { docCount: 0, avgLength: 0 };
        return { ...f, df: Object.fromEntries(stems.map((s) => [s, dfCache.get(key(index, name, s)) ?? 0])) };
      };
      return { source: 'index', title: field('title'), body: field('body') };
    },
  };
}
