/**
 * `--judgment-columns`, `--grades` and `--queries` for every verb that reads `--judgments`, so a judgments file exported from
 * another tool (its own column names, grades in words such as ESCI's E/S/C/I, query texts in a file of their own) is read the same way by all of them.
 */
import { Option } from 'commander';

export interface JudgmentFlags {
  judgmentColumns?: string;
  grades?: string;
  queries?: string;
}

export function judgmentColumnsOption(): Option {
  return new Option('--judgment-columns <pairs>', "with --judgments: the file's own column names, e.g. query=search_term,doc_id=product_uid,grade=relevance,query_id=qid");
}

export function gradesOption(): Option {
  return new Option('--grades <pairs>', 'with --judgments: grades given in words, as integers, e.g. Exact=2,Partial=1,Irrelevant=0 or E=3,S=2,C=1,I=0');
}

export function queriesOption(): Option {
  return new Option('--queries <file>', 'with --judgments (a file or an http(s) URL, downloaded once): the query texts by query id (columns query_id, query, or as named in --judgment-columns), for judgments that carry ids only, such as WANDS label.csv beside query.csv');
}

/**
 * `--judgments`, `--queries`, `--data` and `--eval-data` given as URLs, replaced by their downloaded copies (a BEIR
 * zip unpacked; see remote-file.ts).
 *
 * @example o = await localDataInputs(o, config.cacheDir);
 */
export async function localDataInputs<T extends JudgmentFlags & { judgments?: string; data?: string; evalData?: string }>(o: T, cacheDir: string): Promise<T> {
  const { localCopy } = await import('./remote-file.ts');
  const out = { ...o };
  for (const key of ['judgments', 'queries', 'data', 'evalData'] as const) {
    const value = o[key];
    if (value) out[key] = (await localCopy(value, { cacheDir })) as T[typeof key];
  }
  return out;
}
