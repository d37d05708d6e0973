/**
 * Markdown and SVG for the classify verbs: the heads table, per-block weights and ablations, stage timings,
 * calibration, and the out-of-scope metrics with their trade-off curves.
 */
import { OOS_SCORES } from '../../service/heads/classify-fields.ts';
import type { Interval } from '../eval/oos-metrics.ts';
import { lineChartSvg } from '../report/line-chart.ts';
import { markdownTable } from '../report/write.ts';
import type { ClassifyEvaluation } from './evaluate.ts';
import type { ClassifyHeadResult } from './train-classify.ts';

export const pct = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(digits)}`);
export const withCi = (i: Interval, digits = 2) => `${pct(i.value, digits)} [${pct(i.lower, 1)}, ${pct(i.upper, 1)}]`;

/**
 * The heads table of `train classify`.
 *
 * @example console.log(headsTable(results));
 */
export function headsTable(results: readonly ClassifyHeadResult[]): string {
  return markdownTable(
    ['head', 'recipe', 'encoders', 'dims', 'test accuracy %', 'macro-F1 %', 'test ECE % (T=1 -> T)', 'abstain rule', 'fit wall / CPU', 'artifact'],
    results.map((r) => [
      r.head,
      r.recipe,
      r.encoders.join(' + '),
      r.dims,
      pct(r.test.accuracy),
      pct(r.test.macroF1),
      r.evaluation ? `${pct(r.evaluation.ece.uncalibrated)} -> ${pct(r.evaluation.ece.calibrated)} (T=${r.evaluation.ece.temperature.toFixed(2)})` : '-',
      r.abstain ? `${r.abstain.score} < ${r.abstain.threshold.toFixed(4)} (${r.abstain.source})` : '-',
      `${r.stages.fit!.wall.toFixed(1)} s / ${r.stages.fit!.cpu.toFixed(1)} s`,
      `${(r.artifactBytes / 1024).toFixed(1)} KB`,
    ]),
  );
}

/**
 * Per head: the block weights chosen and the accuracy with each block removed; the stages' wall and CPU time;
 * the abstain rule's estimates.
 *
 * @example console.log(headDetails(results[0]));
 */
export function headDetails(r: ClassifyHeadResult): string {
  const out = [`### ${r.head}\n`, `${r.trainRows} rows fitted, ${r.calibrationRows} held out for calibration; trainer: ${r.artifact.trainer}\n`];
  if (r.blocks) {
    const ablated = r.blocks.some((b) => b.accuracyWithout !== null);
    const full = r.evaluation ? r.test.accuracy : null;
    out.push(
      ablated
        ? `\nBlocks (accuracy without a block: refitted with its weight at 0, on the ${r.evaluation ? 'in-scope test' : 'calibration'} rows${full !== null ? `; with all blocks ${pct(full)} %` : ''}):\n\n`
        : '\nBlocks:\n\n',
      markdownTable(['block', 'dims', 'weight chosen', ...(ablated ? ['accuracy without it %'] : [])], r.blocks.map((b) => [b.encoder, b.dim, b.weight, ...(ablated ? [pct(b.accuracyWithout)] : [])])),
    );
  }
  if (r.selection) {
    out.push(`\nCross-validation (${r.selection.selectionRows} rows): ${r.selection.tried.map((t) => `[${t.weights.join(', ')}] C=${t.c}: ${pct(t.cvAccuracy)} %`).join('; ') || 'nothing to choose'}\n`);
  }
  if (r.reduction) out.push(`\nXGBoost input: ${r.reduction.dims} principal components holding ${pct(r.reduction.explained, 1)} % of the variance\n`);
  if (r.abstain) {
    const a = r.abstain;
    out.push(
      `\nCalibration split: temperature ${a.calibration.temperature.toFixed(3)}, ECE ${pct(a.calibration.eceBefore)} % -> ${pct(a.calibration.eceAfter)} %, NLL ${a.calibration.nllBefore.toFixed(4)} -> ${a.calibration.nllAfter.toFixed(4)}\n`,
      `\nAbstain rule from ${a.source}${a.source === 'in-scope-only' ? '' : `: AUROC ${OOS_SCORES.map((s) => `${s} ${a.aurocs[s].toFixed(3)}`).join(', ')}`}; chosen ${a.score} < ${a.threshold.toFixed(4)}; estimated in-scope precision ${pct(a.estimate.inScopePrecision)} %, in-scope accuracy ${pct(a.estimate.inScopeAccuracy)} %, OOS recall ${pct(a.estimate.oosRecall)} %${a.estimate.met ? '' : ' (target not reached)'}\n`,
    );
  }
  out.push('\n', markdownTable(['stage', 'wall s', 'CPU s'], Object.entries(r.stages).map(([k, v]) => [k, v.wall.toFixed(1), v.cpu.toFixed(1)])));
  return out.join('');
}

/**
 * Markdown for an evaluation: closed-set scores, calibration and the out-of-scope metrics with intervals.
 *
 * @example console.log(evaluationMarkdown('banking77-lr', ev));
 */
export function evaluationMarkdown(head: string, ev: ClassifyEvaluation, svgFile?: string): string {
  const out = [
    `${ev.rows} rows: ${ev.inScopeRows} in scope, ${ev.oosRows} out of scope\n`,
    `\nClosed set (in-scope rows, no abstention): accuracy **${pct(ev.closed.accuracy)} %**, macro-F1 ${pct(ev.closed.macroF1)} %; ECE ${pct(ev.ece.uncalibrated)} % at T = 1, ${pct(ev.ece.calibrated)} % at the head's T = ${ev.ece.temperature.toFixed(3)}\n`,
  ];
  if (ev.selective) {
    const t = ev.selective;
    out.push(`\nAbstaining on ${t.score} < ${t.threshold.toFixed(4)} (${t.thresholdSource}): ${pct(t.coverage)} % of the rows answered, ${pct(t.precision)} % of the answers right, accuracy counting abstentions as errors ${pct(t.accuracy)} %\n`);
  }
  if (ev.oos) {
    const s = ev.oos.summary;
    out.push(
      `\nAbstaining on ${ev.oos.score} < ${Number.isFinite(ev.oos.threshold) ? ev.oos.threshold.toFixed(4) : '-inf'} (${ev.oos.thresholdSource}); 95 % bootstrap intervals:\n\n`,
      markdownTable(
        ['head', 'in-scope accuracy %', 'OOS recall %', 'OOS precision %', 'in-scope precision %', 'in-scope recall %', 'AUROC'],
        [[head, withCi(s.inScopeAccuracy), withCi(s.oosRecall), withCi(s.oosPrecision), withCi(s.inScopePrecision), withCi(s.inScopeRecall), `${s.auroc.value.toFixed(3)} [${s.auroc.lower.toFixed(3)}, ${s.auroc.upper.toFixed(3)}]`]],
      ),
      `\nAUROC by score: ${Object.entries(ev.oos.aurocs).map(([k, v]) => `${k} ${Number.isFinite(v) ? v.toFixed(3) : '-'}`).join(', ')}\n`,
    );
    if (svgFile) out.push(`\n![trade-off](${svgFile})\n`);
  }
  return out.join('');
}

/**
 * The trade-off curves (OOS recall vs in-scope accuracy) of every score, the head's threshold marked.
 *
 * @example writeFile('curve.svg', tradeOffSvg('banking77-lr', ev));
 */
export function tradeOffSvg(title: string, ev: ClassifyEvaluation): string {
  const oos = ev.oos!;
  const series = Object.entries(oos.curves).map(([kind, points]) => ({
    label: `${kind} (AUROC ${(oos.aurocs[kind as keyof typeof oos.aurocs] ?? NaN).toFixed(3)})`,
    points: points.map((p) => [p.oosRecall, p.inScopeAccuracy] as const),
    ...(kind === oos.score ? { mark: [oos.summary.oosRecall.value, oos.summary.inScopeAccuracy.value] as const } : {}),
  }));
  return lineChartSvg(series, { title, x: 'out-of-scope recall', y: 'in-scope accuracy (abstaining = wrong)' });
}
