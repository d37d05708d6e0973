/**
 * Evaluation of a classify head on embedded rows, some of whose labels the head may not know (out of scope):
 * closed-set accuracy and macro-F1 on the in-scope rows, calibration (ECE without and with the head's
 * temperature), and, when out-of-scope rows are present, AUROC of every in-scope score, the metrics at the head's
 * threshold (or a given one) with bootstrap intervals, and the whole trade-off curve of each score.
 */
import type { HeadArtifact } from '../../service/heads/artifact.ts';
import { OOS_SCORES, type OosScore } from '../../service/heads/classify-fields.ts';
import { abstainRule, scoresFor } from '../../service/heads/abstain.ts';
import type { HeadPredictor } from '../../service/heads/predict.ts';
import { argmaxRows, classificationReport, type ClassificationReport } from '../eval/classify-metrics.ts';
import { aurocOf, oosCurve, summariseOos, thinCurve, type OosPoint, type OosSummary, type ScoredRows } from '../eval/oos-metrics.ts';
import { expectedCalibrationError, softmaxAt } from './calibrate.ts';

export interface ClassifyEvaluation {
  rows: number;
  inScopeRows: number;
  oosRows: number;
  /** Arg-max accuracy, macro-F1, per-class F1 on the in-scope rows (no abstention). */
  closed: ClassificationReport;
  /** ECE of the in-scope rows' top-label confidence at T = 1 and at the head's temperature. */
  ece: { uncalibrated: number; calibrated: number; temperature: number };
  /** Without out-of-scope rows, what the abstain rule does to the in-scope rows (when the head has one). */
  selective?: { score: OosScore; threshold: number; thresholdSource: 'head' | 'request'; coverage: number; accuracy: number; precision: number };
  /** Present when there are out-of-scope rows. */
  oos?: {
    score: OosScore;
    threshold: number;
    thresholdSource: 'head' | 'request';
    aurocs: Partial<Record<OosScore, number>>;
    /** Metrics at the threshold, each with a 95 % bootstrap interval. */
    summary: OosSummary;
    /** Trade-off curves (about 100 points each) of every score kind. */
    curves: Partial<Record<OosScore, OosPoint[]>>;
  };
}

/**
 * Scores the head on rows whose true label index is `truth[i]` (-1: out of scope).
 *
 * @example const ev = evaluateClassify(predictor, x.rows, x.n, truth, { samples: 1000 });
 */
export function evaluateClassify(
  predictor: HeadPredictor,
  rows: Float32Array,
  n: number,
  truth: Int32Array,
  { threshold, samples = 1000, seed = 1 }: { threshold?: number; samples?: number; seed?: number } = {},
): ClassifyEvaluation {
  const artifact: HeadArtifact = predictor.artifact;
  const labels = artifact.labels ?? [];
  const k = labels.length;
  const out = predictor.classify!(rows, n);
  const predicted = argmaxRows(out.probs, n, k);
  const inIdx = Array.from({ length: n }, (_, i) => i).filter((i) => truth[i]! >= 0);
  const closed = classificationReport(Int32Array.from(inIdx, (i) => truth[i]!), Int32Array.from(inIdx, (i) => predicted[i]!), labels, { topConfused: 15 });
  const temperature = artifact.calibration?.temperature ?? 1;
  const inLogits = new Float32Array(inIdx.length * k);
  inIdx.forEach((r, i) => inLogits.set(out.logits.subarray(r * k, (r + 1) * k), i * k));
  const inTruth = Int32Array.from(inIdx, (i) => truth[i]!);
  const ece = {
    uncalibrated: expectedCalibrationError(softmaxAt(inLogits, inIdx.length, k, 1), inTruth, inIdx.length, k).ece,
    calibrated: expectedCalibrationError(softmaxAt(inLogits, inIdx.length, k, temperature), inTruth, inIdx.length, k).ece,
    temperature,
  };
  const evaluation: ClassifyEvaluation = { rows: n, inScopeRows: inIdx.length, oosRows: n - inIdx.length, closed, ece };
  const rule = abstainRule(artifact, threshold);
  if (evaluation.oosRows === 0) {
    if (rule) {
      const scores = scoresFor(artifact, rule.score, out, n);
      let answered = 0;
      let right = 0;
      for (let i = 0; i < n; i++) {
        if (scores[i]! < rule.threshold) continue;
        answered++;
        if (predicted[i] === truth[i]) right++;
      }
      evaluation.selective = { score: rule.score, threshold: rule.threshold, thresholdSource: rule.source, coverage: n ? answered / n : 0, accuracy: n ? right / n : 0, precision: answered ? right / answered : 0 };
    }
    return evaluation;
  }
  const inScope = Uint8Array.from(truth, (t) => (t >= 0 ? 1 : 0));
  const correct = Uint8Array.from(truth, (t, i) => (t >= 0 && predicted[i] === t ? 1 : 0));
  const kinds = OOS_SCORES.filter((s) => s !== 'centroid' || artifact.abstain?.centroids);
  const scored = new Map<OosScore, ScoredRows>(kinds.map((s) => [s, { scores: scoresFor(artifact, s, out, n), inScope, correct }]));
  const score = rule?.score ?? 'max_probability';
  const applied = rule?.threshold ?? -Infinity;
  evaluation.oos = {
    score,
    threshold: applied,
    thresholdSource: rule?.source ?? 'head',
    aurocs: Object.fromEntries(kinds.map((s) => [s, aurocOf(scored.get(s)!)])),
    summary: summariseOos(scored.get(score)!, applied, { samples, seed }),
    curves: Object.fromEntries(kinds.map((s) => [s, thinCurve(oosCurve(scored.get(s)!), 100)])),
  };
  return evaluation;
}

/**
 * Truth indexes of labelled rows against the head's labels: -1 for labels the head does not know (out of scope)
 * and for every row of an out-of-scope file.
 *
 * @example truthOf(['a', 'zzz'], ['a', 'b']) // [0, -1]
 */
export function truthOf(rowLabels: readonly string[], labels: readonly string[]): Int32Array {
  const index = new Map(labels.map((l, i) => [l, i]));
  return Int32Array.from(rowLabels, (l) => index.get(l) ?? -1);
}
