/**
 * Candidates and features per query, exactly as `/v1/search` builds them: `firstStage()` (hybrid retrieval and
 * stored vectors) then the shared `assembleFeatures()`. Training, synthetic labelling and evaluation all start
 * here, so a head sees at training time the rows it will score when serving.
 */
import type { Client } from '@elastic/elasticsearch';
import { assembleFeatures, featureNames, type AssemblerOptions, type FeatureCandidate, type FeatureQuery } from '../../service/features/assemble.ts';
import { docFields } from '../../service/features/fields.ts';
import { queryStems, type LexicalStats } from '../../service/features/local-bm25.ts';
import type { EncoderPool } from '../../service/pool/pool.ts';
import type { QueryEmbedder } from '../../service/usecases/embed.ts';
import { firstStage, firstStageForIds, type FirstStageOptions } from '../../service/usecases/first-stage.ts';
import type { IndexTuningStore } from '../../service/retrieval/tuning-store.ts';
import type { Qrels } from '../data/beir.ts';
import { createRng } from '../eval/stats.ts';

/** One query's window: candidate ids in first-stage (fused) order and their feature rows. */
export interface QueryGroup {
  queryId: string;
  ids: string[];
  /** Row-major `ids.length x names.length`. */
  rows: Float32Array;
  /** The first-stage candidates themselves (kept only when asked: they hold vectors). */
  candidates?: FeatureCandidate[];
  /** The query as assembled (kept with the candidates, so rows can be rebuilt with other options). */
  query?: FeatureQuery;
  /** The same candidates as Cohere-style strings ("title body", no metadata), when collected with `stringForms`. */
  stringRows?: Float32Array;
  /** The index term statistics request-local BM25 used. */
  lexicalStats?: LexicalStats;
}

export interface CollectOptions {
  client: Client;
  pool: EncoderPool;
  queryEmbedder: QueryEmbedder;
  index: string;
  /** Query id -> text, for the ids to collect. */
  queries: ReadonlyMap<string, string>;
  ids: readonly string[];
  window: number;
  rrfK: number;
  /** The index's text encoders (first: kNN); also the assembler's text encoders. */
  encoders: readonly string[];
  /** The assembler's interaction features (`ix:*`; 0: none). */
  interactionDims?: number;
  /** The index's tuning (BM25 boosts, fusion, adapter, term statistics), as `/v1/search` uses it. */
  tuning?: IndexTuningStore;
  /** Evaluation overrides of the tuning (e.g. plain RRF, no adapter). */
  overrides?: FirstStageOptions['overrides'];
  /** Also assemble every window as inline strings would arrive (`stringRows`), for inline heads. */
  stringForms?: boolean;
  concurrency?: number;
  keepCandidates?: boolean;
  /**
   * Query id -> the documents to rank for it (ESCI's reranking task: each query's judged products), instead of the
   * first stage over the whole index. They are ranked as `/v1/rerank` by ids ranks them; those the first stage over
   * them does not reach follow in `leftoverOrder`.
   */
  candidates?: ReadonlyMap<string, readonly string[]>;
  /** Seed of the order of leftover candidates (see `leftoverOrder`). */
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * `ids` in a fixed pseudo-random order that depends only on the seed, the query and each id, so every system of an
 * evaluation puts the documents it did not rank in the same order, and no system gains from the file's order.
 *
 * @example leftoverOrder(['b', 'a', 'c'], 'q1', 13) // the same permutation on every call
 */
export function leftoverOrder(ids: readonly string[], queryId: string, seed = 13): string[] {
  const key = (id: string) => {
    // FNV-1a over seed, query and id.
    let h = 0x811c9dc5 ^ seed;
    for (const ch of `${queryId}\u0000${id}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
    return h >>> 0;
  };
  return [...ids].map((id) => ({ id, k: key(id) })).sort((a, b) => a.k - b.k || (a.id < b.id ? -1 : 1)).map((x) => x.id);
}

/** Ranked ids first, then the rest of `all` in `leftoverOrder`. */
export function completeRanking(ranked: readonly string[], all: readonly string[], queryId: string, seed?: number): string[] {
  const seen = new Set(ranked);
  return [...ranked, ...leftoverOrder(all.filter((id) => !seen.has(id)), queryId, seed)];
}

/**
 * Runs first stage and feature assembly for each query id (a few queries in flight).
 *
 * @example const { names, groups } = await collectGroups({ client, pool, queryEmbedder, index, queries, ids, window: 100, rrfK: 60, encoders });
 */
export async function collectGroups(options: CollectOptions): Promise<{ names: string[]; groups: QueryGroup[] }> {
  const { ids, queries, encoders, concurrency = 4 } = options;
  const groups = new Array<QueryGroup>(ids.length);
  let names: string[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      const queryId = ids[i]!;
      const text = queries.get(queryId);
      if (text === undefined) throw new Error(`query "${queryId}" has no text`);
      const common = {
        client: options.client,
        pool: options.pool,
        queryEmbedder: options.queryEmbedder,
        index: options.index,
        query: text,
        rrfK: options.rrfK,
        encoders,
        ...(options.tuning ? { tuning: options.tuning } : {}),
        ...(options.overrides ? { overrides: options.overrides } : {}),
      };
      const given = options.candidates?.get(queryId);
      const { candidates, queryVectors } = given ? await givenCandidates(common, queryId, given, options.seed) : await firstStage({ ...common, window: options.window });
      const query: FeatureQuery = { text, vectors: queryVectors };
      // Request-local BM25 reads the index's statistics, as serving does for documents of a named index.
      const lexicalStats = options.tuning ? await options.tuning.termStats(options.index, queryStems(text)) : undefined;
      const assembler = { textEncoders: encoders, interactionDims: options.interactionDims ?? 0, ...(lexicalStats ? { lexicalStats } : {}) };
      const assembled = assembleFeatures(query, candidates, assembler);
      names = assembled.names;
      groups[i] = {
        queryId,
        ids: candidates.map((c) => c.id),
        rows: assembled.rows,
        // Strings usually come without an index named: their local BM25 uses the candidates' own statistics.
        ...(options.stringForms ? { stringRows: assembleFeatures(query, candidates.map(asInlineString), { textEncoders: encoders, interactionDims: options.interactionDims ?? 0 }).rows } : {}),
        ...(lexicalStats ? { lexicalStats } : {}),
        ...(options.keepCandidates ? { candidates, query } : {}),
      };
      options.onProgress?.(++done, ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { names, groups };
}

/** The given documents as `/v1/rerank` by ids ranks them, in first-stage order, those it did not reach last. */
async function givenCandidates(common: Omit<FirstStageOptions, 'window'>, queryId: string, ids: readonly string[], seed?: number) {
  const result = await firstStageForIds({ ...common, ids });
  const fused = result.candidates.filter((c) => c.firstStage?.fusedRank != null).sort((a, b) => a.firstStage!.fusedRank! - b.firstStage!.fusedRank!);
  const byId = new Map(result.candidates.map((c) => [c.id, c]));
  const order = completeRanking(fused.map((c) => c.id), result.candidates.map((c) => c.id), queryId, seed);
  return { ...result, candidates: order.map((id) => byId.get(id)!) };
}

/**
 * A candidate as a Cohere-style string would arrive: title and body in one line of text, no metadata, the same
 * vectors (the embedded text is the same).
 *
 * @example asInlineString(candidate).doc // { title: '', description: 'Quiet fridge A fridge with ...' }
 */
export function asInlineString(c: FeatureCandidate): FeatureCandidate {
  const f = docFields(c.doc);
  return { id: c.id, doc: { title: '', description: [f.title, f.body].filter(Boolean).join(' ') }, vectors: c.vectors, ...(c.passages ? { passages: c.passages } : {}) };
}

/**
 * Rows restricted to `features` (in that order) out of rows assembled with `names`.
 *
 * @example const headRows = selectColumns(group.rows, names, head.artifact.features);
 */
export function selectColumns(rows: Float32Array, names: readonly string[], features: readonly string[]): Float32Array {
  if (features.length === names.length && features.every((f, i) => f === names[i])) return rows;
  const index = new Map(names.map((n, j) => [n, j]));
  const cols = features.map((f) => {
    const j = index.get(f);
    if (j === undefined) throw new Error(`feature "${f}" was not collected`);
    return j;
  });
  const d = names.length;
  const n = rows.length / Math.max(1, d);
  const out = new Float32Array(n * cols.length);
  for (let r = 0; r < n; r++) cols.forEach((j, c) => (out[r * cols.length + c] = rows[r * d + j]!));
  return out;
}

/**
 * The same groups with rows assembled under other options (e.g. another `interactionDims`), from the kept
 * candidates and query: no second first stage. Groups collected without `keepCandidates` are refused.
 *
 * @example const with16 = reassembleGroups(groups, { textEncoders: encoders, interactionDims: 16 });
 */
export function reassembleGroups(groups: readonly QueryGroup[], options: AssemblerOptions): { names: string[]; groups: QueryGroup[] } {
  const names = featureNames(options);
  const out = groups.map((g) => {
    if (!g.candidates || !g.query) throw new Error(`query "${g.queryId}" was collected without keepCandidates: its rows cannot be rebuilt`);
    const assembler = { ...options, ...(g.lexicalStats ? { lexicalStats: g.lexicalStats } : {}) };
    return { ...g, rows: assembleFeatures(g.query, g.candidates, assembler).rows };
  });
  return { names, groups: out };
}

/**
 * Stacks groups into one training matrix; a candidate is positive when its grade is > 0, and unjudged retrieved
 * documents are negatives. A negative grade means "judged ambiguous" (synthetic judgments): the row is left out.
 *
 * @example const set = trainingSetOf(groups, names, qrels);
 */
export function trainingSetOf(groups: readonly QueryGroup[], names: readonly string[], qrels: Qrels) {
  const d = names.length;
  const keep = (g: QueryGroup, id: string) => (qrels.get(g.queryId)?.get(id) ?? 0) >= 0;
  const n = groups.reduce((s, g) => s + g.ids.filter((id) => keep(g, id)).length, 0);
  const rows = new Float32Array(n * d);
  const labels = new Int32Array(n);
  let r = 0;
  let positives = 0;
  for (const g of groups) {
    const judged = qrels.get(g.queryId);
    g.ids.forEach((id, i) => {
      const grade = judged?.get(id) ?? 0;
      if (grade < 0) return;
      rows.set(g.rows.subarray(i * d, (i + 1) * d), r * d);
      labels[r++] = grade > 0 ? 1 : 0;
      if (grade > 0) positives++;
    });
  }
  return { set: { rows, n, names: [...names], labels }, positives };
}

/**
 * Orders each group's candidates by a scoring function over its feature rows (highest first; ties keep the
 * first-stage order).
 *
 * @example const run = rankGroups(groups, (rows, n) => head.predict(rows, n));
 */
export function rankGroups(
  groups: readonly QueryGroup[],
  score: (rows: Float32Array, n: number) => Float32Array,
  { rowsOf = (g: QueryGroup) => g.rows }: { rowsOf?: (g: QueryGroup) => Float32Array } = {},
): Map<string, string[]> {
  const run = new Map<string, string[]>();
  for (const g of groups) {
    const s = g.ids.length ? score(rowsOf(g), g.ids.length) : new Float32Array(0);
    const order = g.ids.map((_, i) => i).sort((a, b) => s[b]! - s[a]! || a - b);
    run.set(g.queryId, order.map((i) => g.ids[i]!));
  }
  return run;
}

/**
 * Matrix cells (rows x features) ml-xgboost's fixed WebAssembly heap trains on: measured with 200 rounds of
 * depth 4, 1.2M cells fit (30000 x 40, 17000 x 56) and 1.4M do not (35000 x 40, 25000 x 56).
 */
export const XGB_MAX_CELLS = 1_200_000;

/**
 * The rows XGBoost may train on: the requested cap, lowered so rows x features stays within `XGB_MAX_CELLS`
 * (interaction features widen the rows: 40,000 rows fit 24 features but not 40).
 *
 * @example xgbRowCap(40_000, 40) // 30000
 */
export function xgbRowCap(requested: number, features: number): number {
  return Math.min(requested, Math.floor(XGB_MAX_CELLS / Math.max(1, features)));
}

/**
 * Keeps every positive and a seeded uniform sample of negatives so the set has at most `maxRows` rows
 * (ml-xgboost's WebAssembly heap is fixed: ~65k x 31 features already fails with "memory access out of bounds").
 *
 * @example const small = subsampleNegatives(set, 40_000, 13);
 */
export function subsampleNegatives<T extends { rows: Float32Array; n: number; names: readonly string[]; labels: ArrayLike<number> }>(set: T, maxRows: number, seed: number): T {
  if (set.n <= maxRows) return set;
  const d = set.names.length;
  const pos: number[] = [];
  const neg: number[] = [];
  for (let r = 0; r < set.n; r++) (set.labels[r]! > 0 ? pos : neg).push(r);
  const rand = createRng(seed);
  for (let i = neg.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [neg[i], neg[j]] = [neg[j]!, neg[i]!];
  }
  const keep = [...pos, ...neg.slice(0, Math.max(0, maxRows - pos.length))].sort((a, b) => a - b);
  const rows = new Float32Array(keep.length * d);
  keep.forEach((r, i) => rows.set(set.rows.subarray(r * d, (r + 1) * d), i * d));
  return { ...set, rows, n: keep.length, labels: Int32Array.from(keep, (r) => set.labels[r]!) };
}
