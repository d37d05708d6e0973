/**
 * Relevance judgments from CSV/TSV/JSONL: one row per (query, document, grade). The query is given as text
 * (`query`), with an optional id (`query_id`; the text stands in when absent), so both real judgments exported
 * from a tool and the synthetic ones `strata synth` writes load the same way.
 *
 *   query_id,query,doc_id,grade            {"query_id":"q1","query":"quiet fridge","doc_id":"f1","grade":2}
 *
 * An optional `split` column (`train` | `dev`) fixes which side of the train/dev split a query is on.
 */
import type { Qrels } from './beir.ts';
import { badRow, readTable, stringField } from './table.ts';

export interface JudgmentColumns {
  query?: string;
  queryId?: string;
  doc?: string;
  grade?: string;
}

export interface Judgments {
  /** Query id -> query text. */
  queries: Map<string, string>;
  /** Query id -> `train` | `dev`, when the file has a `split` column (`strata synth` writes one). */
  splits: Map<string, 'train' | 'dev'>;
  /** Query id -> doc id -> grade. */
  qrels: Qrels;
  rows: number;
}

/**
 * Loads a judgments file. A grade must be an integer; a pair judged twice with different grades is an error.
 *
 * @example const { queries, qrels } = await readJudgments('judgments.jsonl');
 */
export async function readJudgments(
  file: string,
  { query = 'query', queryId = 'query_id', doc = 'doc_id', grade = 'grade' }: JudgmentColumns = {},
): Promise<Judgments> {
  const queries = new Map<string, string>();
  const splits = new Map<string, 'train' | 'dev'>();
  const qrels: Qrels = new Map();
  let rows = 0;
  for await (const row of readTable(file)) {
    const text = stringField(row, file, query);
    const hasId = row.record[queryId] !== undefined && row.record[queryId] !== '';
    const id = hasId ? stringField(row, file, queryId) : text;
    const docId = stringField(row, file, doc);
    const rawGrade = stringField(row, file, grade);
    if (!/^-?\d+$/.test(rawGrade)) throw badRow(file, row.line, `"${grade}" must be an integer, got "${rawGrade}"`);
    const g = Number(rawGrade);
    const known = queries.get(id);
    if (known !== undefined && known !== text) throw badRow(file, row.line, `query id "${id}" has another text on an earlier line ("${known.slice(0, 60)}")`);
    queries.set(id, text);
    const split = row.record.split;
    if (split !== undefined && split !== '') {
      if (split !== 'train' && split !== 'dev') throw badRow(file, row.line, `"split" must be train or dev, got ${JSON.stringify(split)}`);
      const before = splits.get(id);
      if (before && before !== split) throw badRow(file, row.line, `query id "${id}" is in split ${before} on an earlier line and ${split} here`);
      splits.set(id, split);
    }
    let judged = qrels.get(id);
    if (!judged) qrels.set(id, (judged = new Map()));
    const prior = judged.get(docId);
    if (prior !== undefined && prior !== g) throw badRow(file, row.line, `pair ("${id}", "${docId}") was judged ${prior} on an earlier line and ${g} here`);
    judged.set(docId, g);
    rows++;
  }
  return { queries, splits, qrels, rows };
}
