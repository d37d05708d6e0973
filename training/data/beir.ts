/**
 * Loader for BEIR-format retrieval data sets: `corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl` (`_id`,
 * `text`) and `qrels/<split>.tsv` (a `query-id corpus-id score` header, then tab-separated rows).
 * Files are streamed line by line; the first malformed line stops the load with an error naming the file and
 * line, because a benchmark computed over silently skipped rows would not be comparable with published figures.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { strataError } from '../../service/errors.ts';
import { createRng } from '../eval/stats.ts';

/** A corpus document. */
export interface BeirDoc {
  id: string;
  title: string;
  text: string;
}

/** A query. */
export interface BeirQuery {
  id: string;
  text: string;
}

/** One judgment row of a qrels file. */
export interface BeirQrel {
  queryId: string;
  docId: string;
  score: number;
}

/** Judgments: queryId -> docId -> grade (the shape `evaluateRun` takes). */
export type Qrels = Map<string, Map<string, number>>;

// BEIR ids are strings, but some exports write numbers; both become strings so lookups agree across files.
const Id = z
  .union([z.string(), z.number().int()])
  .transform((v) => String(v))
  .pipe(z.string().min(1, 'must not be empty'));

// Not strict: some BEIR corpora carry a `metadata` object we do not use.
const CorpusLine = z.object({ _id: Id, title: z.string().default(''), text: z.string() });
const QueryLine = z.object({ _id: Id, text: z.string() });

const QRELS_HEADER = ['query-id', 'corpus-id', 'score'];

function badLine(label: string, file: string, line: number, reason: string) {
  return strataError('bad_input_file', { reason: `${label} line ${line}: ${reason}` }, { file, line });
}

async function requireFile(file: string, label: string, hint = ''): Promise<void> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a file');
  } catch {
    throw strataError(
      'bad_input_file',
      { reason: `${label}: not found at ${file} (a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv)${hint}` },
      { file },
    );
  }
}

/**
 * The qrels splits a BEIR folder has (`qrels/<split>.tsv`), sorted; empty when it has no qrels folder.
 *
 * @example await beirSplits('../shared/data/scifact') // ['train']
 */
export async function beirSplits(dir: string): Promise<string[]> {
  const names = await readdir(path.join(dir, 'qrels')).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.tsv')).map((n) => n.slice(0, -'.tsv'.length)).sort();
}

/** Numbered lines of a text file, without line terminators (`\r\n` included). */
async function* numberedLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      yield { line, text };
    }
  } finally {
    // A caller that stops early (or a malformed line) must not leave the file descriptor open.
    rl.close();
    input.destroy();
  }
}

async function* readJsonlFile<T>(file: string, label: string, schema: z.ZodType<T>): AsyncGenerator<T> {
  await requireFile(file, label);
  for await (const { line, text } of numberedLines(file)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw badLine(label, file, line, `malformed JSON (${(err as Error).message})`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`);
      throw badLine(label, file, line, issues.join('; '));
    }
    yield parsed.data;
  }
}

/**
 * Streams the corpus of a BEIR folder.
 *
 * @example
 *   for await (const doc of readBeirCorpus('../shared/data/scifact')) console.log(doc.id, doc.title);
 */
export async function* readBeirCorpus(dir: string): AsyncGenerator<BeirDoc> {
  for await (const row of readJsonlFile(path.join(dir, 'corpus.jsonl'), 'corpus.jsonl', CorpusLine)) {
    yield { id: row._id, title: row.title, text: row.text };
  }
}

/**
 * Streams the queries of a BEIR folder.
 *
 * @example
 *   for await (const q of readBeirQueries('../shared/data/scifact')) console.log(q.id, q.text);
 */
export async function* readBeirQueries(dir: string): AsyncGenerator<BeirQuery> {
  for await (const row of readJsonlFile(path.join(dir, 'queries.jsonl'), 'queries.jsonl', QueryLine)) {
    yield { id: row._id, text: row.text };
  }
}

/**
 * Streams the judgment rows of `qrels/<split>.tsv`. The header is required: BEIR's own loader drops the first
 * line unconditionally, so a file without one would lose a judgment there and differ from published numbers.
 * TREC qrels (four whitespace-separated fields, no header) are read too.
 *
 * @example
 *   for await (const { queryId, docId, score } of readBeirQrelRows(dir, { split: 'train' })) ...
 */
export async function* readBeirQrelRows(
  dir: string,
  { split = 'test' }: { split?: string } = {},
): AsyncGenerator<BeirQrel> {
  const label = `qrels/${split}.tsv`;
  const file = path.join(dir, 'qrels', `${split}.tsv`);
  const splits = await beirSplits(dir);
  // Most BEIR sets ship only test.tsv, some train/dev/test: name what this folder has, so the fix is one option.
  const hint = splits.includes(split) ? '' : splits.length ? `; this folder has the split${splits.length > 1 ? 's' : ''} ${splits.join(', ')}: choose one with --split` : '';
  await requireFile(file, label, hint);
  let sawHeader = false;
  let trec = false;
  for await (const { line, text } of numberedLines(file)) {
    if (text.trim() === '') continue;
    if (!sawHeader && !trec && isTrecQrel(text)) trec = true;
    if (trec) {
      // TREC qrels (`query-id iteration doc-id relevance`, whitespace-separated, no header), as TREC DL, MS MARCO
      // and TREC-COVID ship them: every line must be one.
      const fields = text.trim().split(/\s+/);
      if (!isTrecQrel(text)) throw badLine(label, file, line, `expected TREC qrels like the first line ("query-id iteration doc-id relevance"), got "${text.slice(0, 80)}"`);
      yield { queryId: fields[0]!, docId: fields[2]!, score: Number(fields[3]) };
      continue;
    }
    const cols = text.split('\t');
    if (!sawHeader) {
      if (cols.length !== 3 || cols.some((c, i) => c.trim() !== QRELS_HEADER[i])) {
        throw badLine(label, file, line, `expected the header "query-id<TAB>corpus-id<TAB>score" (or TREC qrels: "query-id iteration doc-id relevance"), got "${text.slice(0, 80)}"`);
      }
      sawHeader = true;
      continue;
    }
    if (cols.length !== 3) {
      const hint = cols.length === 4 ? ' (TREC qrels have 4 columns and no header: drop the header to read the file as TREC qrels)' : '';
      throw badLine(label, file, line, `expected 3 tab-separated columns (query-id, corpus-id, score), got ${cols.length}${hint}`);
    }
    const [queryId = '', docId = '', rawScore = ''] = cols.map((c) => c.trim());
    if (queryId === '' || docId === '') throw badLine(label, file, line, 'empty query-id or corpus-id');
    if (!/^-?\d+$/.test(rawScore)) throw badLine(label, file, line, `score must be an integer, got "${rawScore}"`);
    yield { queryId, docId, score: Number(rawScore) };
  }
  if (!sawHeader && !trec) throw badLine(label, file, 1, 'empty file (expected a header and judgment rows)');
}

/** A TREC qrels line: four whitespace-separated fields, an integer relevance last. */
function isTrecQrel(text: string): boolean {
  const fields = text.trim().split(/\s+/);
  return fields.length === 4 && /^-?\d+$/.test(fields[3]!) && fields[0] !== 'query-id';
}

/**
 * Reads `qrels/<split>.tsv` into queryId -> docId -> grade. A pair judged twice with different grades is an
 * error, since either choice would change the metrics.
 *
 * @example
 *   const qrels = await readBeirQrels('../shared/data/scifact', { split: 'train' });
 *   qrels.get('0'); // Map { '31715818' => 1 }
 */
export async function readBeirQrels(dir: string, options: { split?: string } = {}): Promise<Qrels> {
  const qrels: Qrels = new Map();
  const label = `qrels/${options.split ?? 'test'}.tsv`;
  for await (const { queryId, docId, score } of readBeirQrelRows(dir, options)) {
    let judged = qrels.get(queryId);
    if (!judged) qrels.set(queryId, (judged = new Map()));
    const prior = judged.get(docId);
    if (prior !== undefined && prior !== score) {
      throw strataError('bad_input_file', {
        reason: `${label}: pair (${queryId}, ${docId}) is judged twice, with ${prior} and ${score}`,
      });
    }
    judged.set(docId, score);
  }
  return qrels;
}

/** A whole BEIR data set in memory. */
export interface BeirDataset {
  corpus: BeirDoc[];
  queries: Map<string, string>;
  qrels: Qrels;
}

/**
 * Loads corpus, queries and one qrels split, checking that ids are unique and that every judged query exists.
 * Judged documents absent from the corpus are allowed (BEIR has a few) and only counted.
 *
 * @example
 *   const { corpus, queries, qrels } = await loadBeir('../shared/data/scifact', { split: 'train' });
 */
export async function loadBeir(
  dir: string,
  { split = 'test' }: { split?: string } = {},
): Promise<BeirDataset & { judgedDocsMissingFromCorpus: number }> {
  const corpus: BeirDoc[] = [];
  const docIds = new Set<string>();
  for await (const doc of readBeirCorpus(dir)) {
    if (docIds.has(doc.id)) throw strataError('bad_input_file', { reason: `corpus.jsonl: duplicate _id "${doc.id}"` });
    docIds.add(doc.id);
    corpus.push(doc);
  }
  const { queries, qrels } = await loadBeirJudgments(dir, { split });
  let judgedDocsMissingFromCorpus = 0;
  for (const judged of qrels.values()) for (const docId of judged.keys()) if (!docIds.has(docId)) judgedDocsMissingFromCorpus++;
  return { corpus, queries, qrels, judgedDocsMissingFromCorpus };
}

/** The queries and one qrels split of a BEIR folder, without its corpus. */
export type BeirJudgments = Pick<BeirDataset, 'queries' | 'qrels'>;

/**
 * Queries and one qrels split, checked as `loadBeir` checks them, without reading the corpus: training and
 * evaluation take the documents from the index, and a large corpus (millions of passages) would only cost memory.
 *
 * @example const { queries, qrels } = await loadBeirJudgments('../shared/data/scifact', { split: 'train' });
 */
export async function loadBeirJudgments(dir: string, { split = 'test' }: { split?: string } = {}): Promise<BeirJudgments> {
  const queries = new Map<string, string>();
  for await (const q of readBeirQueries(dir)) {
    if (queries.has(q.id)) throw strataError('bad_input_file', { reason: `queries.jsonl: duplicate _id "${q.id}"` });
    queries.set(q.id, q.text);
  }
  const qrels = await readBeirQrels(dir, { split });
  for (const queryId of qrels.keys()) {
    if (!queries.has(queryId)) throw strataError('bad_input_file', { reason: `qrels/${split}.tsv: query-id "${queryId}" is not in queries.jsonl` });
  }
  return { queries, qrels };
}

/**
 * Deterministic query-level train/dev split: the same ids and seed put the same ids in dev whatever their input
 * order (each side keeps the input order), so a dev set stays fixed across runs and machines. Splitting by query (not by judgment pair) keeps all
 * judgments of a query on one side, so the dev score is not inflated by leakage.
 *
 * @example
 *   const { train, dev } = splitQueries([...qrels.keys()], { devFraction: 0.2, seed: 13 });
 */
export function splitQueries(
  ids: Iterable<string>,
  { devFraction = 0.2, seed = 1 }: { devFraction?: number; seed?: number } = {},
): { train: string[]; dev: string[] } {
  if (!(devFraction >= 0 && devFraction <= 1)) throw new RangeError(`devFraction must be in [0, 1], got ${devFraction}`);
  const unique = [...new Set(ids)];
  // Sort before shuffling so the outcome depends on the set of ids only.
  const shuffled = [...unique].sort();
  const rand = createRng(seed);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
  }
  const devSet = new Set(shuffled.slice(0, Math.round(shuffled.length * devFraction)));
  return {
    train: unique.filter((id) => !devSet.has(id)),
    dev: unique.filter((id) => devSet.has(id)),
  };
}
