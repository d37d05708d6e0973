/**
 * The judged queries of a training source and their train/dev split, as the CLI verbs that fit on judgments
 * (`adapt`, `train fusion`) read them: a BEIR folder or a judgments file (exactly one), the queries with at least
 * one positive grade, split by the source's own split column when asked, else at random by seed.
 */
import { loadBeirJudgments, splitQueries, type BeirJudgments } from './beir.ts';
import { judgmentFormat, readJudgments, type Judgments } from './judgments.ts';

export interface JudgedSplitOptions {
  data?: string;
  judgments?: string;
  /** The BEIR split to read. */
  split: string;
  /** Use the source's own train/dev column when it has one. */
  useSplit: boolean;
  devFraction: string;
  seed: string;
  /** `--judgment-columns`, `--grades` and `--queries`, for files with their own column names, graded in words or with query ids only. */
  judgmentColumns?: string;
  grades?: string;
  queries?: string;
}

/**
 * Loads the source and splits its judged queries.
 *
 * @example const { source, split } = await loadJudgedSplit({ data: '../shared/data/scifact', split: 'train', useSplit: true, devFraction: '0.2', seed: '13' });
 */
export async function loadJudgedSplit(o: JudgedSplitOptions): Promise<{ source: BeirJudgments | Judgments; split: { train: string[]; dev: string[] } }> {
  if (!o.data === !o.judgments) throw new Error('give exactly one of --data <beir dir> or --judgments <file>');
  const judgments = o.judgments ? await readJudgments(o.judgments, judgmentFormat(o.judgmentColumns, o.grades, o.queries)) : undefined;
  const source = judgments ?? (await loadBeirJudgments(o.data!, { split: o.split }));
  const judged = [...source.qrels.keys()].filter((id) => source.queries.has(id) && [...source.qrels.get(id)!.values()].some((g) => g > 0));
  const given = judgments?.splits.size && o.useSplit ? judgments.splits : undefined;
  const split = given
    ? { train: judged.filter((id) => given.get(id) === 'train'), dev: judged.filter((id) => given.get(id) === 'dev') }
    : splitQueries(judged, { devFraction: Number(o.devFraction), seed: Number(o.seed) });
  return { source, split };
}
