/**
 * `--judgment-columns` and `--grades` for every verb that reads `--judgments`, so a judgments file exported from
 * another tool (its own column names, grades in words such as ESCI's E/S/C/I) is read the same way by all of them.
 */
import { Option } from 'commander';

export interface JudgmentFlags {
  judgmentColumns?: string;
  grades?: string;
}

export function judgmentColumnsOption(): Option {
  return new Option('--judgment-columns <pairs>', "with --judgments: the file's own column names, e.g. query=search_term,doc_id=product_uid,grade=relevance,query_id=qid");
}

export function gradesOption(): Option {
  return new Option('--grades <pairs>', 'with --judgments: grades given in words, as integers, e.g. Exact=2,Partial=1,Irrelevant=0 or E=3,S=2,C=1,I=0');
}
