/**
 * Relevance judgments from CSV/TSV/JSONL: one row per (query, document, grade). The query is given as text
 * (`query`), with an optional id (`query_id`; the text stands in when absent), so both real judgments exported
 * from a tool and the synthetic ones `strata synth` writes load the same way.
 *
 *   query_id,query,doc_id,grade            {"query_id":"q1","query":"quiet fridge","doc_id":"f1","grade":2}
 *
 * An optional `split` column (`train` | `dev`) fixes which side of the train/dev split a query is on. Files with
 * other column names or graded in words are read through `JudgmentColumns` (the CLI's `--judgment-columns` and
 * `--grades`).
 */
import type { Qrels } from './beir.ts';
import { badRow, readTable, stringField } from './table.ts';
import { splitPairs } from '../../service/catalog/columns.ts';

export interface JudgmentColumns {
  query?: string;
  queryId?: string;
  doc?: string;
  grade?: string;
  /** Labels read as grades, for files that judge in words (`Exact=2,Partial=1,Irrelevant=0`; ESCI's `E,S,C,I`). */
  grades?: Readonly<Record<string, number>>;
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
  { query = 'query', queryId = 'query_id', doc = 'doc_id', grade = 'grade', grades }: JudgmentColumns = {},
): Promise<Judgments> {
  // Labels match as given, else whatever their case (`exact` for `Exact`).
  const lowerGrades = new Map(Object.entries(grades ?? {}).map(([label, g]) => [label.toLowerCase(), g]));
  const queries = new Map<string, string>();
  const splits = new Map<string, 'train' | 'dev'>();
  const qrels: Qrels = new Map();
  let rows = 0;
  for await (const row of readTable(file)) {
    if (rows === 0) {
      const absent = [query, doc, grade].filter((c) => !(c in row.record));
      if (absent.length) {
        throw badRow(
          file,
          row.line,
          `missing column${absent.length > 1 ? 's' : ''} ${absent.map((c) => `"${c}"`).join(', ')} (columns: ${Object.keys(row.record).join(', ')}); name the file's own with --judgment-columns query=<column>,doc_id=<column>,grade=<column>`,
        );
      }
    }
    const text = stringField(row, file, query);
    const hasId = row.record[queryId] !== undefined && row.record[queryId] !== '';
    const id = hasId ? stringField(row, file, queryId) : text;
    const docId = stringField(row, file, doc);
    const rawGrade = stringField(row, file, grade);
    const labelled = grades ? (grades[rawGrade] ?? lowerGrades.get(rawGrade.toLowerCase())) : undefined;
    if (labelled === undefined && !/^-?\d+$/.test(rawGrade)) {
      const known = grades ? ` or one of the --grades labels (${Object.keys(grades).join(', ')})` : '; a file that judges in words needs --grades, e.g. Exact=2,Partial=1,Irrelevant=0';
      throw badRow(file, row.line, `"${grade}" must be an integer${known}, got "${rawGrade}"`);
    }
    const g = labelled ?? Number(rawGrade);
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

/**
 * Parses `--judgment-columns query=search_term,doc_id=product_uid,grade=label,query_id=qid` and `--grades
 * Exact=2,Partial=1,Irrelevant=0` into reader options.
 *
 * @example judgmentFormat('doc_id=product_id,grade=label', 'E=3,S=2,C=1,I=0') // { doc: 'product_id', grade: 'label', grades: { E: 3, ... } }
 */
export function judgmentFormat(columns?: string, grades?: string): JudgmentColumns {
  const pairs = (spec: string, what: string) => splitPairs([spec], (p) => new Error(`${what}: "${p}" is not name=value`));
  const out: JudgmentColumns = {};
  const keys = { query: 'query', query_id: 'queryId', doc_id: 'doc', grade: 'grade' } as const;
  for (const [name, column] of columns ? pairs(columns, '--judgment-columns') : []) {
    const key = keys[name as keyof typeof keys];
    if (!key) throw new Error(`--judgment-columns: "${name}" is not one of query, query_id, doc_id, grade`);
    out[key] = column;
  }
  if (grades) {
    const map: Record<string, number> = {};
    for (const [label, value] of pairs(grades, '--grades')) {
      if (!/^-?\d+$/.test(value)) throw new Error(`--grades: the grade of "${label}" must be an integer, got "${value}"`);
      map[label] = Number(value);
    }
    out.grades = map;
  }
  return out;
}
