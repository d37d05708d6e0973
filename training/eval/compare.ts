/**
 * Systems side by side on the same judged queries: nDCG@10, MRR@10 and Recall@100 with 95 % bootstrap intervals,
 * and paired comparisons (mean difference of per-query nDCG@10 with its 95 % paired-bootstrap interval and the
 * randomization-test p) against named baselines, "the better of" several baselines included.
 */
import type { Qrels } from '../data/beir.ts';
import { evaluateRun } from './metrics.ts';
import { bootstrapCI, pairedBootstrapTest, pairedRandomizationTest, type ConfidenceInterval } from './stats.ts';

export interface PairedDiff {
  baseline: string;
  meanDiff: number;
  lower: number;
  upper: number;
  pValue: number;
}

export interface SystemRow {
  system: string;
  queries: number;
  ndcg10: ConfidenceInterval;
  mrr10: number;
  recall100: number;
  diffs: PairedDiff[];
}

/** Per-query nDCG@10 of a run over the judged queries (ids in `qrels` order; missing answers score 0). */
export function perQueryNdcg(run: ReadonlyMap<string, readonly string[]>, qrels: Qrels): { ids: string[]; ndcg: number[] } {
  const ev = evaluateRun(run, qrels, { k: 10 });
  const ids = [...ev.perQuery.keys()];
  return { ids, ndcg: ids.map((id) => ev.perQuery.get(id)!.ndcg) };
}

/**
 * Scores every run and compares each with the baselines named in `against` (a baseline `best(a,b)` is, per
 * query set, whichever of a and b has the higher mean nDCG@10).
 *
 * @example compareRuns(new Map([['bm25', r1], ['fusion', r2]]), qrels, { against: { fusion: ['bm25'] } })
 */
export function compareRuns(
  runs: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
  qrels: Qrels,
  { against = {}, seed = 1 }: { against?: Record<string, readonly string[]>; seed?: number } = {},
): SystemRow[] {
  const scored = new Map([...runs].map(([name, run]) => [name, perQueryNdcg(run, qrels)]));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const resolve = (name: string): { label: string; ndcg: number[] } | null => {
    const m = /^best\((.+)\)$/.exec(name);
    if (!m) {
      const s = scored.get(name);
      return s ? { label: name, ndcg: s.ndcg } : null;
    }
    const options = m[1]!.split(',').map((x) => x.trim()).map((x) => ({ x, s: scored.get(x) })).filter((o) => o.s);
    if (!options.length) return null;
    const winner = options.reduce((a, b) => (mean(b.s!.ndcg) > mean(a.s!.ndcg) ? b : a));
    return { label: `${name} = ${winner.x}`, ndcg: winner.s!.ndcg };
  };
  return [...runs].map(([system, run]) => {
    const { ndcg } = scored.get(system)!;
    const at10 = evaluateRun(run, qrels, { k: 10 });
    const at100 = evaluateRun(run, qrels, { k: 100 });
    const diffs: PairedDiff[] = [];
    for (const b of against[system] ?? []) {
      const base = resolve(b);
      if (!base) continue;
      const boot = pairedBootstrapTest(ndcg, base.ndcg, { seed });
      const perm = pairedRandomizationTest(ndcg, base.ndcg, { seed });
      diffs.push({ baseline: base.label, meanDiff: boot.meanDiff, lower: boot.lower, upper: boot.upper, pValue: perm.pValue });
    }
    return { system, queries: ndcg.length, ndcg10: bootstrapCI(ndcg, { seed }), mrr10: at10.mean.mrr, recall100: at100.mean.recall, diffs };
  });
}

/**
 * Parses `--compare` specs, each "<system> vs <baseline>" (system names hold ':' and '/', so "vs" separates them),
 * into the `against` map of compareRuns; every name must be one of `known` (the systems the run will have).
 *
 * @example parseComparisons(['knn:text/mpnet vs knn:text/minilm'], known) // { 'knn:text/mpnet': ['knn:text/minilm'] }
 */
export function parseComparisons(specs: readonly string[], known: readonly string[]): Record<string, string[]> {
  const against: Record<string, string[]> = {};
  for (const spec of specs) {
    const parts = spec.split(/\s+vs\s+/);
    if (parts.length !== 2 || !parts[0]!.trim() || !parts[1]!.trim()) throw new Error(`--compare: expected "<system> vs <baseline>", got "${spec}"`);
    const [system, baseline] = parts.map((x) => x.trim()) as [string, string];
    for (const name of [system, baseline]) {
      if (!known.includes(name)) throw new Error(`--compare: unknown system "${name}" (systems: ${known.join(', ')})`);
    }
    (against[system] ??= []).push(baseline);
  }
  return against;
}

/** "+0.012 [-0.004, +0.029] p 0.14" */
export function formatDiff(d: PairedDiff): string {
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
  return `${sign(d.meanDiff)} [${sign(d.lower)}, ${sign(d.upper)}] p ${d.pValue < 0.001 ? '<0.001' : d.pValue.toFixed(3)}`;
}

/** "0.642 [0.58, 0.70]" */
export function formatCi(c: ConfidenceInterval): string {
  return `${c.mean.toFixed(3)} [${c.lower.toFixed(3)}, ${c.upper.toFixed(3)}]`;
}
