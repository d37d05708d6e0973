/**
 * `strata synth` as a use case: documents -> pseudo-queries -> first stage + features (as `/v1/search`) ->
 * teacher labels -> judgments JSONL (`query_id, query, doc_id, grade, strategy, split`): the source document with
 * grade 1, hard negatives with grade 0, and ambiguous candidates with grade -1 (ignored by `train rerank`).
 * Structured product queries (attribute combinations) are judged by the catalog itself: every candidate with the
 * asked category and attribute values is relevant. A share of the documents (`devFraction`) is held out: their
 * queries form the dev split, made harder (`hardenQuery`: the rarest word and others dropped, order shuffled), so
 * a dev score is not the 1.0 an extractive query of a seen document gives and can choose when to stop training.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { readCatalogFile } from '../../service/catalog/read.ts';
import { strataError } from '../../service/errors.ts';
import type { ColumnOptions } from '../../service/catalog/columns.ts';
import { readBeirCorpus } from '../data/beir.ts';
import { createRng } from '../eval/stats.ts';
import { collectGroups, type CollectOptions } from '../rerank/collect.ts';
import { hardenQuery, idfOf, matchesQuery, pseudoQueries, type PseudoQuery, type SynthDoc } from './queries.ts';
import { ensembleTeacher, labelWindow, type WindowTeacher } from './teacher.ts';

/**
 * Documents from a BEIR folder (corpus.jsonl) or a catalog file (JSONL/CSV, read through `columns` when its column
 * names are its own; invalid rows are skipped and counted).
 *
 * @example const { docs } = await readSynthDocs('../shared/data/scifact');
 */
export async function readSynthDocs(source: string, columns?: ColumnOptions): Promise<{ docs: SynthDoc[]; invalid: number }> {
  const docs: SynthDoc[] = [];
  let invalid = 0;
  const info = await stat(source).catch(() => null);
  if (!info) throw strataError('bad_input_file', { reason: `--data ${source}: not found (a BEIR folder with corpus.jsonl, or a catalog file)` }, { file: source });
  if (info.isDirectory()) {
    for await (const d of readBeirCorpus(source)) docs.push({ id: d.id, title: d.title, text: d.text });
    return { docs, invalid };
  }
  for await (const row of readCatalogFile(source, columns ? { columns } : {})) {
    if (!row.ok) {
      invalid++;
      continue;
    }
    const d = row.doc;
    const attributes = Object.fromEntries(Object.entries(d.attributes ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
    docs.push({
      id: d.id,
      title: d.title,
      text: [d.description, ...(d.reviews ?? [])].filter(Boolean).join('\n'),
      ...(d.brand ? { brand: d.brand } : {}),
      ...(d.category ? { category: d.category } : {}),
      ...(d.price !== undefined ? { price: d.price } : {}),
      ...(Object.keys(attributes).length ? { attributes } : {}),
    });
  }
  if (!docs.length && invalid) {
    throw strataError('bad_input_file', { reason: `--data ${source}: none of its ${invalid} rows is a valid catalog document (if its columns have their own names, read them with --map field=column; \`strata index\` on the file names each problem)` }, { file: source });
  }
  return { docs, invalid };
}

export interface SynthOptions extends Omit<CollectOptions, 'queries' | 'ids' | 'onProgress' | 'keepCandidates'> {
  docs: readonly SynthDoc[];
  out: string;
  perDoc?: number;
  /** How many documents to draw queries from (seeded sample; all when 0). */
  maxDocs?: number;
  negatives?: number;
  /** Rarest words left out of key-sentence queries. */
  dropRarest?: number;
  /** Largest share of written queries whose source the first stage already ranks first (1: keep all). */
  easyShare?: number;
  /** Share of documents held out: their queries are the dev split (0: none). */
  devFraction?: number;
  /** Make dev queries harder (rarest word and others dropped, shuffled); default on. */
  hardDev?: boolean;
  seed?: number;
  /** Scores each candidate window (default: the ensemble of `encoders`' dense similarity and BM25). */
  teacher?: WindowTeacher;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthReport {
  documents: number;
  queries: number;
  written: number;
  sourceMissed: number;
  /** Queries left out because the first stage already ranked their source first (beyond `easyShare`). */
  easyDropped: number;
  sourceRank: { top1: number; top10: number; mean: number };
  judgments: { positive: number; negative: number; ignored: number };
  strategies: Record<string, number>;
  /** Written queries per split. */
  splits: { train: number; dev: number };
  examples: Array<{ query: string; doc_id: string; strategy: string }>;
}

/**
 * Generates and writes synthetic judgments.
 *
 * @example const report = await synthesize({ client, pool, queryEmbedder, index, encoders, window: 100, rrfK: 60, docs, out: 'synth.jsonl' });
 */
export async function synthesize(o: SynthOptions): Promise<SynthReport> {
  const { docs, perDoc = 1, maxDocs = 0, negatives = 10, seed = 13, dropRarest = 0, easyShare = 1, devFraction = 0.2, hardDev = true } = o;
  const idf = idfOf(docs);
  const rand = createRng(seed);
  const pool = [...docs];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const chosen = maxDocs > 0 ? pool.slice(0, maxDocs) : pool;
  // Whole documents go to dev, so a dev query's source was never a training query's source.
  const devDocs = new Set(chosen.slice(0, Math.round(chosen.length * devFraction)).map((d) => d.id));
  const byId = new Map(docs.map((d) => [d.id, d]));
  const queries = new Map<string, string>();
  const meta = new Map<string, { docId: string; q: PseudoQuery; split: 'train' | 'dev' }>();
  const seen = new Set<string>();
  for (const doc of chosen) {
    const split = devDocs.has(doc.id) ? 'dev' : 'train';
    pseudoQueries(doc, idf, { perDoc, dropRarest, rand }).forEach((made, k) => {
      const q = split === 'dev' && hardDev ? { ...made, text: hardenQuery(made.text, idf, rand, { structured: !!made.match }) } : made;
      if (seen.has(q.text)) return; // two documents giving the same query would make contradictory judgments
      seen.add(q.text);
      const id = `synth-${doc.id}-${k}`;
      queries.set(id, q.text);
      meta.set(id, { docId: doc.id, q, split });
    });
  }
  const { onProgress, docs: _docs, out, teacher = ensembleTeacher(o.encoders), ...collect } = o;
  const { names, groups } = await collectGroups({ ...collect, queries, ids: [...queries.keys()], ...(onProgress ? { onProgress } : {}) });
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  const stream = createWriteStream(out);
  const write = async (line: string) => {
    if (!stream.write(line)) await once(stream, 'drain');
  };
  const report: SynthReport = { documents: chosen.length, queries: queries.size, written: 0, sourceMissed: 0, easyDropped: 0, sourceRank: { top1: 0, top10: 0, mean: 0 }, judgments: { positive: 0, negative: 0, ignored: 0 }, strategies: {}, splits: { train: 0, dev: 0 }, examples: [] };
  let rankSum = 0;
  // The first relevant candidate: the source, or for a structured query any product with what it asks for.
  const firstRelevant = (g: { ids: string[] }, docId: string, q: PseudoQuery) => (q.match ? g.ids.findIndex((id) => matchesQuery(byId.get(id), q.match!)) : g.ids.indexOf(docId));
  // Easy queries (relevant at fused rank 1) are capped at `easyShare` of what is written, hard ones all kept: a set
  // the first stage already solves teaches a head to copy the first stage. Dev queries are all kept.
  const hard = groups.filter((g) => firstRelevant(g, meta.get(g.queryId)!.docId, meta.get(g.queryId)!.q) > 0).length;
  const easyBudget = easyShare >= 1 ? Infinity : Math.floor((hard * easyShare) / (1 - easyShare));
  let easyKept = 0;
  for (const g of groups) {
    const { docId, q, split } = meta.get(g.queryId)!;
    // Missed and dropped windows are decided by the first-stage position alone, before paying for the teacher.
    const source = firstRelevant(g, docId, q);
    if (source < 0) {
      report.sourceMissed++;
      continue;
    }
    if (split === 'train' && source === 0 && easyKept++ >= easyBudget) {
      report.easyDropped++;
      continue;
    }
    const scores = await teacher.score({ query: q.text, ids: g.ids, rows: g.rows, names });
    const base = { query_id: g.queryId, query: q.text, strategy: q.strategy, split };
    let positives: string[];
    let ambiguous: string[] = [];
    let hardNegatives: string[];
    if (q.match) {
      const relevant = new Set(g.ids.filter((id) => matchesQuery(byId.get(id), q.match!)));
      positives = [...relevant];
      hardNegatives = g.ids
        .map((id, i) => ({ id, s: scores[i]! }))
        .filter((x) => !relevant.has(x.id))
        .sort((a, b) => b.s - a.s)
        .slice(0, negatives)
        .map((x) => x.id);
      rankSum += source + 1;
      if (source === 0) report.sourceRank.top1++;
      if (source < 10) report.sourceRank.top10++;
    } else {
      const labels = labelWindow(g.ids, scores, docId, { negatives });
      rankSum += labels.source + 1;
      if (labels.source === 0) report.sourceRank.top1++;
      if (labels.source < 10) report.sourceRank.top10++;
      positives = [docId];
      ambiguous = labels.ambiguous.map((i) => g.ids[i]!);
      hardNegatives = labels.hardNegatives.map((i) => g.ids[i]!);
    }
    for (const id of positives) await write(`${JSON.stringify({ ...base, doc_id: id, grade: 1 })}\n`);
    for (const id of ambiguous) await write(`${JSON.stringify({ ...base, doc_id: id, grade: -1 })}\n`);
    for (const id of hardNegatives) await write(`${JSON.stringify({ ...base, doc_id: id, grade: 0 })}\n`);
    report.splits[split]++;
    report.judgments.positive += positives.length;
    report.judgments.ignored += ambiguous.length;
    report.judgments.negative += hardNegatives.length;
    report.strategies[q.strategy] = (report.strategies[q.strategy] ?? 0) + 1;
    report.written++;
    if (report.examples.length < 8) report.examples.push({ query: q.text, doc_id: docId, strategy: q.strategy });
  }
  stream.end();
  await once(stream, 'finish');
  report.sourceRank.mean = report.written ? rankSum / report.written : 0;
  return report;
}
