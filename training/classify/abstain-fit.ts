/**
 * The abstain rule of a classify head, fitted at training time on rows the weights never saw:
 * 1. temperature scaling on the calibration split (ECE before and after);
 * 2. class centroids (the `centroid` score) from the training rows, in the head's input space;
 * 3. in-scope scores of in-scope rows and of out-of-scope rows, for each score kind; the kind with the highest
 *    AUROC wins (or the one asked for);
 * 4. the threshold that meets the target (in-scope precision or OOS recall) while answering as much as possible.
 *
 * Out-of-scope rows come from the user (`oos-file`), or, without them, from the training data itself
 * (`held-out-classes`): the same recipe is refitted with a share of the classes left out, and those classes'
 * calibration rows play the unknown intents. The threshold found there moves to the real head as an in-scope
 * acceptance rate (the quantile of the head's own calibration scores), because score scales shift a little
 * between a head with fewer classes and the full one.
 */
import type { HeadArtifact } from '../../service/heads/artifact.ts';
import { classifySpace } from '../../service/heads/classify-predict.ts';
import { OOS_SCORES, type OosScore } from '../../service/heads/classify-fields.ts';
import { inScopeScores } from '../../service/heads/abstain.ts';
import { createPredictor } from '../../service/heads/predict.ts';
import { argmaxRows } from '../eval/classify-metrics.ts';
import { aurocOf, chooseThreshold, type OosPoint, type OosTarget, type ScoredRows } from '../eval/oos-metrics.ts';
import { createRng } from '../eval/stats.ts';
import { calibrate, type CalibrationResult } from './calibrate.ts';
import type { ClassifyData } from './fit-head.ts';
import { takeRows } from './block-lr.ts';

export interface AbstainOptions {
  target: OosTarget;
  /** A fixed score kind, or `auto` (highest AUROC). */
  score?: OosScore | 'auto';
  /** Share of the classes left out per held-out-classes draw. */
  proxyFraction?: number;
  /** Held-out-classes draws (0: no proxy; then only a precision target on in-scope rows is possible). */
  proxyDraws?: number;
  seed?: number;
  /** Further targets whose thresholds are reported (not stored), from the same rows. */
  alsoTargets?: OosTarget[];
  log?: (message: string) => void;
}

export interface AbstainReport {
  calibration: CalibrationResult;
  source: 'oos-file' | 'held-out-classes' | 'in-scope-only';
  score: OosScore;
  /** AUROC of every score kind on the rows that chose the threshold (mean over draws). */
  aurocs: Record<OosScore, number>;
  threshold: number;
  /** Metrics at the threshold on those rows (mean over draws), and whether the target was met. */
  estimate: OosPoint & { met: boolean; acceptance: number };
  /** The thresholds `alsoTargets` would have given. */
  alternatives: Array<{ target: OosTarget; threshold: number; estimate: OosPoint & { met: boolean; acceptance: number } }>;
}

/** Refits the head's recipe (same hyperparameters) on part of the training rows and classes. */
export type Refit = (data: ClassifyData, labels: string[]) => Promise<HeadArtifact>;

/**
 * Unit-length class centroids of the rows in the artifact's input space.
 *
 * @example const centroids = classCentroids(artifact, fitRows);
 */
export function classCentroids(artifact: HeadArtifact, data: ClassifyData, k: number): number[][] {
  const d = data.names.length;
  const space = classifySpace(artifact, data.rows, data.n);
  const sums = Array.from({ length: k }, () => new Float64Array(d));
  for (let r = 0; r < data.n; r++) {
    const s = sums[data.y[r]!]!;
    for (let j = 0; j < d; j++) s[j]! += space[r * d + j]!;
  }
  return sums.map((s) => {
    const norm = Math.hypot(...s) || 1;
    return Array.from(s, (v) => v / norm);
  });
}

/** Scores of every kind for raw rows under a (calibrated) artifact, plus the arg-max labels. */
async function scoreRows(artifact: HeadArtifact, rows: Float32Array, n: number): Promise<{ scores: Record<OosScore, Float64Array>; predicted: Int32Array }> {
  const predictor = await createPredictor(artifact);
  try {
    const out = predictor.classify!(rows, n);
    const options = { temperature: artifact.calibration?.temperature ?? 1, centroids: artifact.abstain?.centroids };
    const scores = Object.fromEntries(OOS_SCORES.map((kind) => [kind, inScopeScores(kind, out, n, options)])) as Record<OosScore, Float64Array>;
    return { scores, predicted: argmaxRows(out.probs, n, out.k) };
  } finally {
    predictor.dispose();
  }
}

/** Calibrates `artifact` on held-out rows and attaches centroids (as a provisional abstain block). */
async function calibrated(artifact: HeadArtifact, fit: ClassifyData, held: ClassifyData, k: number): Promise<{ artifact: HeadArtifact; calibration: CalibrationResult }> {
  const predictor = await createPredictor(artifact);
  const out = predictor.classify!(held.rows, held.n);
  predictor.dispose();
  const calibration = calibrate(out.logits, held.y, held.n, k);
  const { temperature, rows, eceBefore, eceAfter, nllBefore, nllAfter } = calibration;
  const centroids = classCentroids(artifact, fit, k);
  return {
    artifact: {
      ...artifact,
      calibration: { method: 'temperature', temperature, rows, eceBefore, eceAfter, nllBefore, nllAfter },
      abstain: { score: 'centroid', threshold: -1, target: { metric: 'precision', value: 1 }, source: 'in-scope-only', estimate: {}, centroids },
    },
    calibration,
  };
}

function pool(inScope: { scores: Float64Array; correct: Uint8Array }, oos?: Float64Array): ScoredRows {
  const m = oos?.length ?? 0;
  return {
    scores: Float64Array.from([...inScope.scores, ...(oos ?? [])]),
    inScope: Uint8Array.from({ length: inScope.scores.length + m }, (_, i) => (i < inScope.scores.length ? 1 : 0)),
    correct: Uint8Array.from({ length: inScope.scores.length + m }, (_, i) => (i < inScope.scores.length ? inScope.correct[i]! : 0)),
  };
}

/** The score at which a share `acceptance` of `scores` is at or above it. */
function quantileThreshold(scores: Float64Array, acceptance: number): number {
  const sorted = Float64Array.from(scores).sort();
  const rejected = Math.min(sorted.length - 1, Math.max(0, Math.round((1 - acceptance) * sorted.length)));
  return rejected > 0 ? (sorted[rejected - 1]! + sorted[rejected]!) / 2 : sorted[0]!;
}

function subset(data: ClassifyData, rows: readonly number[], relabel?: Map<number, number>): ClassifyData {
  const d = data.names.length;
  return { rows: takeRows(data.rows, d, rows), n: rows.length, names: data.names, y: Int32Array.from(rows, (r) => (relabel ? relabel.get(data.y[r]!)! : data.y[r]!)) };
}

/**
 * Calibrates the head and fits its abstain rule; returns the artifact with `calibration` and `abstain` set.
 *
 * @example const { artifact, report } = await fitAbstain(head, fit, held, labels, { target: { metric: 'precision', value: 0.95 } }, refit);
 */
export async function fitAbstain(
  head: HeadArtifact,
  fit: ClassifyData,
  held: ClassifyData,
  labels: string[],
  { target, score = 'auto', proxyFraction = 0.25, proxyDraws = 1, seed = 1, alsoTargets = [], log = () => undefined }: AbstainOptions,
  refit?: Refit,
  oos?: { rows: Float32Array; n: number },
): Promise<{ artifact: HeadArtifact; report: AbstainReport }> {
  const k = labels.length;
  const { artifact, calibration } = await calibrated(head, fit, held, k);
  log(`${head.name}: temperature ${calibration.temperature.toFixed(3)}, calibration-split ECE ${(calibration.eceBefore * 100).toFixed(2)} % -> ${(calibration.eceAfter * 100).toFixed(2)} %`);
  const own = await scoreRows(artifact, held.rows, held.n);
  const ownCorrect = Uint8Array.from(held.y, (y, i) => (own.predicted[i] === y ? 1 : 0));

  // Each "draw" gives pools of rows per score kind, plus how to turn its threshold into the head's.
  const draws: Array<{ pools: Record<OosScore, ScoredRows>; transfer: boolean; inScope: Record<OosScore, Float64Array> }> = [];
  let source: AbstainReport['source'];
  if (oos && oos.n > 0) {
    source = 'oos-file';
    const o = await scoreRows(artifact, oos.rows, oos.n);
    draws.push({ pools: Object.fromEntries(OOS_SCORES.map((s) => [s, pool({ scores: own.scores[s], correct: ownCorrect }, o.scores[s])])) as Record<OosScore, ScoredRows>, transfer: false, inScope: own.scores });
  } else if (refit && proxyDraws > 0 && k >= 4) {
    source = 'held-out-classes';
    const rand = createRng(seed);
    for (let draw = 0; draw < proxyDraws; draw++) {
      const order = labels.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const out = new Set(order.slice(0, Math.max(1, Math.round(k * proxyFraction))));
      const keep = labels.map((_, i) => i).filter((i) => !out.has(i));
      const relabel = new Map(keep.map((c, i) => [c, i]));
      const keptLabels = keep.map((c) => labels[c]!);
      log(`${head.name}: held-out-classes draw ${draw + 1}/${proxyDraws}: refitting without ${out.size} of ${k} classes`);
      const fitIn = subset(fit, Array.from({ length: fit.n }, (_, i) => i).filter((i) => !out.has(fit.y[i]!)), relabel);
      const heldRows = Array.from({ length: held.n }, (_, i) => i);
      const heldIn = subset(held, heldRows.filter((i) => !out.has(held.y[i]!)), relabel);
      const heldOut = subset(held, heldRows.filter((i) => out.has(held.y[i]!)));
      const proxy = (await calibrated(await refit(fitIn, keptLabels), fitIn, heldIn, keep.length)).artifact;
      const a = await scoreRows(proxy, heldIn.rows, heldIn.n);
      const b = await scoreRows(proxy, heldOut.rows, heldOut.n);
      const correct = Uint8Array.from(heldIn.y, (y, i) => (a.predicted[i] === y ? 1 : 0));
      draws.push({ pools: Object.fromEntries(OOS_SCORES.map((s) => [s, pool({ scores: a.scores[s], correct }, b.scores[s])])) as Record<OosScore, ScoredRows>, transfer: true, inScope: a.scores });
    }
  } else {
    source = 'in-scope-only';
    if (target.metric === 'oos_recall') throw new Error('an out-of-scope recall target needs out-of-scope rows: give --oos <file> or allow held-out-class draws');
    draws.push({ pools: Object.fromEntries(OOS_SCORES.map((s) => [s, pool({ scores: own.scores[s], correct: ownCorrect })])) as Record<OosScore, ScoredRows>, transfer: false, inScope: own.scores });
  }

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const aurocs = Object.fromEntries(OOS_SCORES.map((s) => [s, source === 'in-scope-only' ? NaN : mean(draws.map((d) => aurocOf(d.pools[s])))])) as Record<OosScore, number>;
  // Without OOS rows no AUROC exists; the calibrated max probability is the natural confidence then.
  const kind: OosScore = score !== 'auto' ? score : source === 'in-scope-only' ? 'max_probability' : OOS_SCORES.reduce((best, s) => (aurocs[s] > aurocs[best] ? s : best), OOS_SCORES[0]);
  const keys = ['inScopeAccuracy', 'inScopeRecall', 'inScopePrecision', 'oosRecall', 'oosPrecision', 'coverage'] as const;
  const thresholdFor = (goal: OosTarget) => {
    const points = draws.map((d) => chooseThreshold(d.pools[kind], goal));
    // The share of in-scope rows each draw's threshold accepts carries over to the head's own calibration scores.
    const acceptance = mean(draws.map((d, i) => d.inScope[kind].reduce((c, v) => c + (v >= points[i]!.threshold ? 1 : 0), 0) / d.inScope[kind].length));
    const threshold = draws[0]!.transfer ? quantileThreshold(own.scores[kind], acceptance) : points[0]!.threshold;
    const estimate = { ...Object.fromEntries(keys.map((key) => [key, mean(points.map((p) => p[key]))])), threshold, met: points.every((p) => p.met), acceptance } as AbstainReport['estimate'];
    return { target: goal, threshold, estimate };
  };
  const { threshold, estimate } = thresholdFor(target);
  const alternatives = alsoTargets.map(thresholdFor);
  log(`${head.name}: abstain on ${kind} < ${threshold.toFixed(4)} (${source}${source === 'in-scope-only' ? '' : `; AUROC ${OOS_SCORES.map((s) => `${s} ${aurocs[s].toFixed(3)}`).join(', ')}`}; estimated precision ${(estimate.inScopePrecision * 100).toFixed(1)} %, OOS recall ${(estimate.oosRecall * 100).toFixed(1)} %${estimate.met ? '' : ', target not reached'})`);
  // Centroids stay for every score (evaluation compares all three); `train classify` drops them from the stored
  // artifact unless the centroid score was chosen.
  const { centroids } = artifact.abstain!;
  const numeric = Object.fromEntries(Object.entries({ ...estimate, met: estimate.met ? 1 : 0, ...Object.fromEntries(OOS_SCORES.map((s) => [`auroc_${s}`, aurocs[s]])) }).filter(([, v]) => Number.isFinite(v))) as Record<string, number>;
  return {
    artifact: { ...artifact, abstain: { score: kind, threshold, target, source, estimate: numeric, centroids } },
    report: { calibration, source, score: kind, aurocs, threshold, estimate, alternatives },
  };
}
