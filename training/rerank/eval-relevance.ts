/**
 * The relevance evaluation of one index, every system on the same judged queries, side by side:
 * - first stage: BM25 (with the index's boosts, and with equal boosts and the old `title^3`), kNN (without and with
 *   the index's query adapter), plain RRF and the index's fitted fusion of the served lists;
 * - reranking the served window: MiniLM cosine alone, and each head by id (as `/v1/search` and documents by id)
 *   and inline, as a Cohere client sends the same documents: objects carrying the same fields, and strings
 *   ("title body"), without an index named (so request-local BM25 uses the candidates' statistics and the query
 *   vector is not adapted). A head that needs index features is replaced for inline documents as the service
 *   replaces it (`default-inline`), and the row says so.
 * Inline candidates reuse the stored document vectors: the embedded text is the same, so only the int8 codec the
 * service also applies separates them (a string's passages would start with its title; the stored ones do not).
 */
import type { Client } from '@elastic/elasticsearch';
import { assembleFeatures, type FeatureCandidate } from '../../service/features/assemble.ts';
import type { HeadStore } from '../../service/heads/store.ts';
import { chooseRerankHead } from '../../service/heads/view.ts';
import type { EncoderPool } from '../../service/pool/pool.ts';
import { PLAIN_RRF } from '../../service/retrieval/fusion.ts';
import type { IndexTuningStore } from '../../service/retrieval/tuning-store.ts';
import { DEFAULT_BM25, LEGACY_BM25 } from '../../service/retrieval/tuning.ts';
import type { QueryEmbedder } from '../../service/usecases/embed.ts';
import { inlineDocument } from '../../service/app/routes/rerank-documents.ts';
import { docFields } from '../../service/features/fields.ts';
import type { Qrels } from '../data/beir.ts';
import { compareRuns, type SystemRow } from '../eval/compare.ts';
import { fusedRun, type QueryLists } from '../fusion/fit-fusion.ts';
import { bm25Lists, knnLists } from '../fusion/lists.ts';
import { collectGroups, rankGroups, selectColumns, type QueryGroup } from './collect.ts';

export interface RelevanceEvalOptions {
  client: Client;
  pool: EncoderPool;
  queryEmbedder: QueryEmbedder;
  tuning: IndexTuningStore;
  index: string;
  encoders: readonly string[];
  queries: ReadonlyMap<string, string>;
  qrels: Qrels;
  ids: readonly string[];
  heads: HeadStore;
  headNames: readonly string[];
  window: number;
  rrfK: number;
  concurrency?: number;
  seed?: number;
  onProgress?: (what: string, done: number, total: number) => void;
}

export interface RelevanceEval {
  rows: SystemRow[];
  /** Which head actually served each head row (inline rows may show a stand-in). */
  served: Record<string, string>;
  tuning: { bm25: string; fusion: string; adapter: string | null };
}

const toRun = (lists: ReadonlyMap<string, Array<{ id: string }>>) => new Map([...lists].map(([id, hits]) => [id, hits.map((h) => h.id)]));
const METADATA = ['brand', 'category', 'price', 'currency', 'rating', 'review_count', 'release_date', 'attributes', 'reviews'] as const;

/** The candidate as a Cohere client would send it: an object with the same fields, or a "title body" string. */
function inlineCandidate(c: FeatureCandidate, i: number, form: 'object' | 'string'): FeatureCandidate {
  const f = docFields(c.doc);
  const raw: string | Record<string, unknown> =
    form === 'string'
      ? [f.title, f.body].filter(Boolean).join(' ')
      : { title: c.doc.title, description: c.doc.description, ...Object.fromEntries(METADATA.filter((k) => c.doc[k] !== undefined).map((k) => [k, c.doc[k]])) };
  const { doc } = inlineDocument(raw, i, { maxChars: 100_000, ...(form === 'object' ? { rankFields: ['title', 'description'] } : {}) });
  return { id: c.id, doc, vectors: c.vectors, ...(c.passages ? { passages: c.passages } : {}) };
}

/**
 * Runs every system and compares them.
 *
 * @example const { rows } = await evaluateRelevance({ client, pool, queryEmbedder, tuning, index, encoders, queries, qrels, ids, heads, headNames, window: 100, rrfK: 60 });
 */
export async function evaluateRelevance(o: RelevanceEvalOptions): Promise<RelevanceEval> {
  const progress = (what: string) => (d: number, t: number) => o.onProgress?.(what, d, t);
  const resolved = await o.tuning.get(o.index);
  const tuned = resolved.tuning;
  const base = { client: o.client, pool: o.pool, queryEmbedder: o.queryEmbedder, index: o.index, queries: o.queries, ids: o.ids, encoder: o.encoders[0]!, window: o.window, concurrency: o.concurrency ?? 4 };
  const runs = new Map<string, Map<string, string[]>>();
  const against: Record<string, string[]> = {};

  const bm25Served = await bm25Lists({ ...base, onProgress: progress('BM25') }, tuned?.bm25 ?? DEFAULT_BM25);
  runs.set('bm25', toRun(bm25Served));
  if (tuned?.bm25) runs.set('bm25 (equal boosts)', toRun(await bm25Lists({ ...base, onProgress: progress('BM25 equal') }, DEFAULT_BM25)));
  runs.set('bm25 (title^3)', toRun(await bm25Lists({ ...base, onProgress: progress('BM25 title^3') }, LEGACY_BM25)));
  against.bm25 = ['bm25 (title^3)'];
  if (tuned?.bm25) against['bm25 (equal boosts)'] = ['bm25 (title^3)'];
  const knnRaw = await knnLists({ ...base, onProgress: progress('kNN') });
  runs.set('knn', toRun(knnRaw));
  let knnServed = knnRaw;
  if (resolved.adapter) {
    knnServed = await knnLists({ ...base, onProgress: progress('kNN + adapter') }, resolved.adapter);
    runs.set('knn + adapter', toRun(knnServed));
    against['knn + adapter'] = ['knn'];
  }
  const lists = new Map<string, QueryLists>(o.ids.map((id) => [id, { query: o.queries.get(id)!, bm25: bm25Served.get(id) ?? [], knn: knnServed.get(id) ?? [] }]));
  const knnName = resolved.adapter ? 'knn + adapter' : 'knn';
  runs.set('rrf', fusedRun(lists, { ...PLAIN_RRF, k: o.rrfK }, o.window));
  against.rrf = [`best(bm25,${knnName})`];
  if (tuned?.fusion) {
    runs.set('fusion (fitted)', fusedRun(lists, tuned.fusion, o.window));
    against['fusion (fitted)'] = [`best(bm25,${knnName})`, 'rrf'];
  }

  // The served first stage and by-id features, once; inline features from the same windows.
  const { names, groups } = await collectGroups({ ...o, keepCandidates: true, onProgress: progress('first stage + features') });
  const hybrid = tuned?.fusion ? 'fusion (fitted)' : 'rrf';
  const knnEncoder = o.encoders[0]!;
  const rawQuery = new Map<string, Record<string, Float32Array>>();
  for (const g of groups) rawQuery.set(g.queryId, await o.queryEmbedder.embed(o.queries.get(g.queryId)!, o.encoders));
  const cosine = new Map(
    groups.map((g) => {
      const q = rawQuery.get(g.queryId)![knnEncoder]!;
      const sims = g.candidates!.map((c) => {
        const v = c.vectors[knnEncoder];
        let s = 0;
        if (v) for (let i = 0; i < v.length; i++) s += v[i]! * q[i]!;
        return s;
      });
      return [g.queryId, g.ids.map((_, i) => i).sort((a, b) => sims[b]! - sims[a]! || a - b).map((i) => g.ids[i]!)];
    }),
  );
  runs.set(`cosine ${knnEncoder} (window)`, cosine);
  against[`cosine ${knnEncoder} (window)`] = [hybrid];
  const inlineRows = (form: 'object' | 'string'): QueryGroup[] =>
    groups.map((g) => {
      const candidates = g.candidates!.map((c, i) => inlineCandidate(c, i, form));
      const query = { text: o.queries.get(g.queryId)!, vectors: rawQuery.get(g.queryId)! };
      return { queryId: g.queryId, ids: g.ids, rows: assembleFeatures(query, candidates, { textEncoders: o.encoders }).rows };
    });
  const forms = { objects: inlineRows('object'), strings: inlineRows('string') };

  const served: Record<string, string> = {};
  for (const name of o.headNames) {
    const byId = chooseRerankHead((n) => o.heads.get(n, 'rerank'), (n) => o.heads.has(n), name, new Set(['index', 'request']));
    const system = `${name} by id`;
    runs.set(system, rankGroups(groups, (rows, n) => byId.predictor.predict(rows, n), { rowsOf: (g) => selectColumns(g.rows, names, byId.predictor.artifact.features) }));
    served[system] = byId.predictor.artifact.name;
    against[system] = [hybrid, 'rrf', knnName];
    const inline = chooseRerankHead((n) => o.heads.get(n, 'rerank'), (n) => o.heads.has(n), name, new Set(['request']));
    for (const [form, rows] of Object.entries(forms)) {
      const label = `${name} inline ${form}`;
      runs.set(label, rankGroups(rows, (r, n) => inline.predictor.predict(r, n), { rowsOf: (g) => selectColumns(g.rows, names, inline.predictor.artifact.features) }));
      served[label] = inline.predictor.artifact.name;
      against[label] = [`cosine ${knnEncoder} (window)`, system];
    }
  }
  const judged: Qrels = new Map(o.ids.filter((id) => o.qrels.has(id)).map((id) => [id, o.qrels.get(id)!]));
  return {
    rows: compareRuns(runs, judged, { against, seed: o.seed ?? 1 }),
    served,
    tuning: {
      bm25: tuned?.bm25 ? JSON.stringify({ boosts: tuned.bm25.boosts, tieBreaker: tuned.bm25.tieBreaker }) : 'default (equal boosts)',
      fusion: tuned?.fusion ? JSON.stringify({ method: tuned.fusion.method, bm25Weight: tuned.fusion.bm25Weight, codeShift: tuned.fusion.codeShift, gapShift: tuned.fusion.gapShift }) : 'plain RRF',
      adapter: resolved.adapter ? `${resolved.adapter.artifact.name}@${resolved.adapter.artifact.version}` : null,
    },
  };
}
