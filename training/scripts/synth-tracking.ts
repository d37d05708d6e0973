/**
 * How well a synthetic dev split tracks real dev queries: reads `train rerank` reports made with `--eval-data`
 * (every sweep point of every head scored on the synthetic dev split and on the real dev queries) and prints, per
 * report, the rank correlation (Spearman) and linear correlation (Pearson) between the two across all settings,
 * and the regret of stopping where the synthetic dev says (real nDCG@10 of that point vs the best point).
 *
 *   npx tsx training/scripts/synth-tracking.ts reports/train-rerank-synth.json reports/train-rerank-synthhard.json
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { markdownTable, writeReport } from '../report/write.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';

exitWithHelpIfAsked(import.meta.url);

interface Report {
  heads: Array<{ head: string; chosen: number; sweep: Array<{ value: number; devNdcg10: number; extraDevNdcg10?: number }> }>;
}

/** Pearson correlation of two equal-length series. */
function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Average ranks (ties share their mean rank). */
function ranks(x: readonly number[]): number[] {
  const order = x.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const r = new Array<number>(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.v === order[i]!.v) j++;
    for (let k = i; k <= j; k++) r[order[k]!.i] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!files.length) throw new Error('give train rerank report files (JSON) made with --eval-data');
const rows: Array<Array<string | number>> = [];
const json: unknown[] = [];
for (const file of files) {
  const report = JSON.parse(await readFile(file, 'utf8')) as Report;
  const points = report.heads.flatMap((h) => h.sweep.filter((p) => p.extraDevNdcg10 !== undefined).map((p) => ({ head: h.head, ...p, real: p.extraDevNdcg10! })));
  if (points.length < 3) {
    rows.push([path.basename(file), points.length, '-', '-', '-', '-']);
    continue;
  }
  const synth = points.map((p) => p.devNdcg10);
  const real = points.map((p) => p.real);
  const spearman = pearson(ranks(synth), ranks(real));
  const lin = pearson(synth, real);
  const regrets = report.heads.map((h) => {
    const s = h.sweep.filter((p) => p.extraDevNdcg10 !== undefined);
    const bySynth = s.reduce((a, b) => (b.devNdcg10 > a.devNdcg10 ? b : a));
    const bestReal = Math.max(...s.map((p) => p.extraDevNdcg10!));
    return { head: h.head, chosen: bySynth.value, realAtChosen: bySynth.extraDevNdcg10!, bestReal, regret: bestReal - bySynth.extraDevNdcg10! };
  });
  rows.push([path.basename(file), points.length, `${Math.min(...synth).toFixed(3)}-${Math.max(...synth).toFixed(3)}`, spearman, lin, regrets.map((r) => `${r.head}: ${r.regret.toFixed(3)}`).join(', ')]);
  json.push({ file, points, spearman, pearson: lin, regrets });
}
const table = markdownTable(['report', 'settings', 'synthetic dev nDCG@10 range', 'Spearman', 'Pearson', 'regret of stopping on synthetic dev (real nDCG@10)'], rows);
console.log(table);
for (const f of await writeReport('reports', 'synth-tracking', json, `# synthetic dev vs real dev\n\n${table}`)) console.error(`report: ${f}`);
