/**
 * `strata train fusion` as a use case: fit the index's BM25 field boosts (fit-bm25.ts) and its fusion of BM25
 * with kNN (fit-fusion.ts) on the training queries of judgments or synthetic judgments, report both on the dev
 * queries beside the defaults (equal boosts, the old `title^3`, plain RRF, BM25 and kNN alone, with paired
 * tests), and store the result with the index (its query adapter, if any, is kept and used for kNN).
 */
import type { Qrels } from '../data/beir.ts';
import { compareRuns, type SystemRow } from '../eval/compare.ts';
import { DEFAULT_BM25, LEGACY_BM25, readIndexTuning, writeIndexTuning, type Bm25Tuning, type IndexTuning } from '../../service/retrieval/tuning.ts';
import { PLAIN_RRF, type Fusion } from '../../service/retrieval/fusion.ts';
import type { IndexTuningStore } from '../../service/retrieval/tuning-store.ts';
import { fitBm25Boosts, type Bm25Fit } from './fit-bm25.ts';
import { fitFusion, fusedRun, type FusionFit, type QueryLists } from './fit-fusion.ts';
import { bm25Lists, knnLists, type ListOptions } from './lists.ts';

export interface TrainFusionOptions extends Omit<ListOptions, 'ids' | 'onProgress'> {
  qrels: Qrels;
  trainIds: readonly string[];
  devIds: readonly string[];
  tuning: IndexTuningStore;
  /** Fit field boosts (else keep the index's, or the defaults). */
  fitBoosts?: boolean;
  /** Store the result with the index. */
  write?: boolean;
  /** Where the judgments came from (recorded). */
  source?: string;
  log?: (m: string) => void;
  onProgress?: (what: string, done: number, total: number) => void;
}

export interface TrainFusionResult {
  bm25: Bm25Fit | null;
  fusion: FusionFit;
  tuning: IndexTuning;
  dev: SystemRow[];
  written: boolean;
}

const toRun = (lists: ReadonlyMap<string, Array<{ id: string }>>) => new Map([...lists].map(([id, hits]) => [id, hits.map((h) => h.id)]));

/**
 * Fits, reports and (with `write`) stores an index's first-stage tuning.
 *
 * @example const { tuning, dev } = await trainFusion({ client, pool, queryEmbedder, index, queries, qrels, trainIds, devIds, encoder, window: 100, tuning: store, write: true });
 */
export async function trainFusion(o: TrainFusionOptions): Promise<TrainFusionResult> {
  const log = o.log ?? (() => undefined);
  const progress = (what: string) => (d: number, t: number) => o.onProgress?.(what, d, t);
  const current = (await readIndexTuning(o.client, o.index)).tuning;
  const adapter = (await o.tuning.get(o.index)).adapter;
  const { onProgress: _p, log: _l, ...shared } = o;
  const base: ListOptions = { ...shared, ids: o.trainIds };

  const bm25Fit = o.fitBoosts === false ? null : await fitBm25Boosts({ ...base, window: 10, onProgress: progress('BM25 boosts') }, o.qrels, { log });
  const boosts: Bm25Tuning = bm25Fit?.tuning ?? current?.bm25 ?? DEFAULT_BM25;

  const listsOf = async (ids: readonly string[], what: string): Promise<Map<string, QueryLists>> => {
    const b = await bm25Lists({ ...shared, ids, onProgress: progress(`BM25 (${what})`) }, boosts);
    const k = await knnLists({ ...shared, ids, onProgress: progress(`kNN (${what})`) }, adapter);
    return new Map(ids.map((id) => [id, { query: o.queries.get(id)!, bm25: b.get(id) ?? [], knn: k.get(id) ?? [] }]));
  };
  const train = await listsOf(o.trainIds, 'train');
  const fusionFit = fitFusion(train, o.qrels);
  log(`fusion ${JSON.stringify(fusionFit.fusion)}: train nDCG@10 ${fusionFit.ndcg10.toFixed(4)}`);

  const dev = await listsOf(o.devIds, 'dev');
  const devQrels: Qrels = new Map(o.devIds.filter((id) => o.qrels.has(id)).map((id) => [id, o.qrels.get(id)!]));
  const runs = new Map<string, Map<string, string[]>>();
  runs.set('bm25 (equal boosts)', toRun(await bm25Lists({ ...shared, ids: o.devIds, onProgress: progress('BM25 equal (dev)') }, DEFAULT_BM25)));
  runs.set('bm25 (title^3)', toRun(await bm25Lists({ ...shared, ids: o.devIds, onProgress: progress('BM25 title^3 (dev)') }, LEGACY_BM25)));
  runs.set('bm25 (fitted)', new Map([...dev].map(([id, l]) => [id, l.bm25.map((h) => h.id)])));
  runs.set('knn', new Map([...dev].map(([id, l]) => [id, l.knn.map((h) => h.id)])));
  runs.set('rrf', fusedRun(dev, PLAIN_RRF));
  runs.set('fusion (fitted)', fusedRun(dev, fusionFit.fusion));
  const rows = compareRuns(runs, devQrels, {
    against: {
      'bm25 (fitted)': ['bm25 (equal boosts)', 'bm25 (title^3)'],
      'bm25 (equal boosts)': ['bm25 (title^3)'],
      rrf: ['best(bm25 (fitted),knn)'],
      'fusion (fitted)': ['best(bm25 (fitted),knn)', 'rrf'],
    },
  });

  const fusion: Fusion & { metrics: Record<string, unknown> } = {
    ...fusionFit.fusion,
    metrics: { trainNdcg10: fusionFit.ndcg10, trainRecall100: fusionFit.recall100, trainQueries: o.trainIds.length, devQueries: o.devIds.length, devNdcg10: rows.find((r) => r.system === 'fusion (fitted)')?.ndcg10.mean },
  };
  const createdAt = new Date().toISOString();
  const tuning: IndexTuning = {
    format: 'strata-index-tuning/1',
    version: createdAt.replace(/[-:.TZ]/g, '').slice(0, 14),
    createdAt,
    source: o.source ?? '',
    bm25: { ...boosts, metrics: bm25Fit ? { trainNdcg10Equal: bm25Fit.start, trainNdcg10: bm25Fit.fitted, evaluations: bm25Fit.evaluations } : {} },
    fusion,
    ...(current?.adapter ? { adapter: current.adapter } : {}),
  };
  if (o.write) {
    await writeIndexTuning(o.client, o.index, tuning);
    o.tuning.invalidate(o.index);
  }
  return { bm25: bm25Fit, fusion: fusionFit, tuning, dev: rows, written: !!o.write };
}
