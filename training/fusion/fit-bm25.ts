/**
 * Per-index BM25 field boosts fitted on judged (or synthetic) queries by coordinate ascent over small grids: one
 * field's boost (or the tie breaker) moves at a time, kept only when the training queries' mean nDCG@10 rises by
 * more than `minGain` (so noise is not chased). Fields no document has are left alone. Starts from equal weights.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Qrels } from '../data/beir.ts';
import { evaluateRun } from '../eval/metrics.ts';
import { esCall } from '../../service/es/client.ts';
import { BM25_FIELD_NAMES, DEFAULT_BM25, type Bm25Field, type Bm25Tuning } from '../../service/retrieval/tuning.ts';
import { bm25Lists, type ListOptions } from './lists.ts';

/** Boosts tried per field (1 is the default); the tie breaker of `best_fields` is searched too. */
export const BOOST_GRID: Record<Bm25Field, number[]> = {
  title: [0.5, 1, 2, 3],
  brand: [0.5, 1, 2],
  category: [0.5, 1, 2],
  body: [0.5, 1, 2],
  reviews: [0.25, 0.5, 1],
};
export const TIE_BREAKER_GRID = [0, 0.3, 0.7, 1];

const ES_FIELD: Record<Bm25Field, string> = { title: 'title', brand: 'brand', category: 'category', body: 'description', reviews: 'reviews' };

/** The logical fields at least one document of the index has. */
export async function presentFields(client: Client, index: string): Promise<Bm25Field[]> {
  const present: Bm25Field[] = [];
  for (const f of BM25_FIELD_NAMES) {
    const { count } = await esCall(client, (c) => c.count({ index, query: { exists: { field: ES_FIELD[f] } } }));
    if (count > 0) present.push(f);
  }
  return present;
}

export interface Bm25Fit {
  tuning: Bm25Tuning;
  /** Mean training nDCG@10 of the start and of the result. */
  start: number;
  fitted: number;
  steps: Array<{ param: string; value: number; ndcg10: number; kept: boolean }>;
  evaluations: number;
}

/**
 * Fits boosts on the training queries.
 *
 * @example const { tuning } = await fitBm25Boosts({ ...listOptions, window: 10 }, qrels);
 */
export async function fitBm25Boosts(
  o: ListOptions,
  qrels: Qrels,
  { passes = 2, minGain = 0.002, fields, log = () => undefined }: { passes?: number; minGain?: number; fields?: readonly Bm25Field[]; log?: (m: string) => void } = {},
): Promise<Bm25Fit> {
  const judged: Qrels = new Map(o.ids.filter((id) => qrels.has(id)).map((id) => [id, qrels.get(id)!]));
  const cache = new Map<string, number>();
  let evaluations = 0;
  const score = async (t: Bm25Tuning) => {
    const key = JSON.stringify(t);
    const known = cache.get(key);
    if (known !== undefined) return known;
    const lists = await bm25Lists(o, t);
    const run = new Map([...lists].map(([id, hits]) => [id, hits.map((h) => h.id)]));
    const ndcg = evaluateRun(run, judged, { k: 10 }).mean.ndcg;
    cache.set(key, ndcg);
    evaluations++;
    return ndcg;
  };
  const active = fields ?? (await presentFields(o.client, o.index));
  let best: Bm25Tuning = { boosts: { ...DEFAULT_BM25.boosts }, tieBreaker: DEFAULT_BM25.tieBreaker };
  const start = await score(best);
  let bestScore = start;
  log(`BM25 equal weights: train nDCG@10 ${start.toFixed(4)} (fields ${active.join(', ')})`);
  const steps: Bm25Fit['steps'] = [];
  for (let pass = 0; pass < passes; pass++) {
    let changed = false;
    const params: Array<[string, number[], (v: number) => Bm25Tuning]> = [
      ...active.map((f): [string, number[], (v: number) => Bm25Tuning] => [f, BOOST_GRID[f], (v) => ({ ...best, boosts: { ...best.boosts, [f]: v } })]),
      ['tieBreaker', TIE_BREAKER_GRID, (v) => ({ ...best, tieBreaker: v })],
    ];
    for (const [param, grid, make] of params) {
      for (const value of grid) {
        const candidate = make(value);
        const s = await score(candidate);
        const kept = s > bestScore + minGain;
        steps.push({ param, value, ndcg10: s, kept });
        if (kept) {
          log(`BM25 ${param} = ${value}: train nDCG@10 ${s.toFixed(4)} (was ${bestScore.toFixed(4)})`);
          [best, bestScore, changed] = [candidate, s, true];
        }
      }
    }
    if (!changed) break;
  }
  return { tuning: best, start, fitted: bestScore, steps, evaluations };
}
