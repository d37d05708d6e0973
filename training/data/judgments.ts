/**
 * Relevance judgments from CSV/TSV/JSONL: one row per (query, document, grade). The query is given as text
 * (`query`), with an optional id (`query_id`; the text stands in when absent), so both real judgments exported
 * from a tool and the synthetic ones `strata synth` writes load the same way.
 *
 *   query_id,query,doc_id,grade            {"query_id":"q1","query":"quiet fridge","doc_id":"f1","grade":2}
 *
 * Judgments that carry query ids only read the texts from a second file (`queriesFile`, the CLI's `--queries`).
 * An optional `split` column (`train` | `dev`; `test`, `validation` and `val` are read as `dev`) fixes which side of the train/dev split a query is on. Files with
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
  /**
   * A second file with the query texts by id (columns `query_id` and `query`, or the names given above), for
   * judgments that carry ids only (WANDS' `label.csv` beside its `query.csv`).
   */
  queriesFile?: string;
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
  { query = 'query', queryId = 'query_id', doc = 'doc_id', grade = 'grade', grades, queriesFile }: JudgmentColumns = {},
): Promise<Judgments> {
  const texts = queriesFile ? await readQueryTexts(queriesFile, queryId, query) : undefined;
  // Labels match as given, else whatever their case (`exact` for `Exact`).
  const lowerGrades = new Map(Object.entries(grades ?? {}).map(([label, g]) => [label.toLowerCase(), g]));
  const queries = new Map<string, string>();
  const splits = new Map<string, 'train' | 'dev'>();
  const qrels: Qrels = new Map();
  let rows = 0;
  for await (const row of readTable(file)) {
    if (rows === 0) {
      const absent = (texts ? [queryId, doc, grade] : [query, doc, grade]).filter((c) => !(c in row.record));
      if (absent.length) {
        const own = texts ? 'query_id=<column>' : 'query=<column>';
        const elsewhere = texts ? '' : ' (or, when the query texts are in another file, give it with --queries)';
        throw badRow(
          file,
          row.line,
          `missing column${absent.length > 1 ? 's' : ''} ${absent.map((c) => `"${c}"`).join(', ')} (columns: ${Object.keys(row.record).join(', ')}); name the file's own with --judgment-columns ${own},doc_id=<column>,grade=<column>${elsewhere}`,
        );
      }
    }
    let text: string;
    let id: string;
    if (texts) {
      id = stringField(row, file, queryId);
      const found = texts.get(id);
      if (found === undefined) throw badRow(file, row.line, `query id "${id}" is not in ${queriesFile}`);
      text = found;
    } else {
      text = stringField(row, file, query);
      const hasId = row.record[queryId] !== undefined && row.record[queryId] !== '';
      id = hasId ? stringField(row, file, queryId) : text;
    }
    const docId = stringField(row, file, doc);
    const rawGrade = stringField(row, file, grade);
    const labelled = grades ? ((Object.hasOwn(grades, rawGrade) ? grades[rawGrade] : undefined) ?? lowerGrades.get(rawGrade.toLowerCase())) : undefined;
    if (labelled === undefined && !/^-?\d+$/.test(rawGrade)) {
      const known = grades ? ` or one of the --grades labels (${Object.keys(grades).join(', ')})` : '; a file that judges in words needs --grades, e.g. Exact=2,Partial=1,Irrelevant=0';
      throw badRow(file, row.line, `"${grade}" must be an integer${known}, got "${rawGrade}"`);
    }
    const g = labelled ?? Number(rawGrade);
    const known = queries.get(id);
    if (known !== undefined && known !== text) throw badRow(file, row.line, `query id "${id}" has another text on an earlier line ("${known.slice(0, 60)}")`);
    queries.set(id, text);
    const rawSplit = row.record.split;
    if (rawSplit !== undefined && rawSplit !== '') {
      // Public sets call their held-out side test (ESCI) or validation: for training, that is the dev side.
      const split = typeof rawSplit === 'string' ? HELD_OUT_NAMES.get(rawSplit.toLowerCase()) : undefined;
      if (!split) throw badRow(file, row.line, `"split" must be train or dev (or test, validation, val: read as dev), got ${JSON.stringify(rawSplit)}`);
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

const HELD_OUT_NAMES = new Map<string, 'train' | 'dev'>([['train', 'train'], ['dev', 'dev'], ['test', 'dev'], ['validation', 'dev'], ['val', 'dev']]);

/** Query id -> text from a queries file; an id given twice with different texts is an error. */
async function readQueryTexts(file: string, queryId: string, query: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for await (const row of readTable(file)) {
    if (texts.size === 0) {
      const absent = [queryId, query].filter((c) => !(c in row.record));
      if (absent.length) {
        throw badRow(file, row.line, `missing column${absent.length > 1 ? 's' : ''} ${absent.map((c) => `"${c}"`).join(', ')} (columns: ${Object.keys(row.record).join(', ')}); name the file's own with --judgment-columns query_id=<column>,query=<column>`);
      }
    }
    const id = stringField(row, file, queryId);
    const text = stringField(row, file, query);
    const known = texts.get(id);
    if (known !== undefined && known !== text) throw badRow(file, row.line, `query id "${id}" has another text on an earlier line ("${known.slice(0, 60)}")`);
    texts.set(id, text);
  }
  return texts;
}

/**
 * Parses `--judgment-columns query=search_term,doc_id=product_uid,grade=label,query_id=qid` and `--grades
 * Exact=2,Partial=1,Irrelevant=0` into reader options.
 *
 * @example judgmentFormat('doc_id=product_id,grade=label', 'E=3,S=2,C=1,I=0') // { doc: 'product_id', grade: 'label', grades: { E: 3, ... } }
 */
export function judgmentFormat(columns?: string, grades?: string, queriesFile?: string): JudgmentColumns {
  const pairs = (spec: string, what: string) => splitPairs([spec], (p) => new Error(`${what}: "${p}" is not name=value`));
  const out: JudgmentColumns = queriesFile ? { queriesFile } : {};
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
