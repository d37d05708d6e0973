/**
 * Out-of-scope scores of a classify head's output, higher = more in scope, and the rule that turns one into an
 * abstention. Training chooses the score and the threshold with these same functions, so serving applies exactly
 * what was measured.
 * - `max_probability`: the largest calibrated probability (Hendrycks & Gimpel 2017);
 * - `energy`: T * logsumexp(logits / T), the negative free energy (Liu et al. 2020);
 * - `centroid`: the cosine between the row (in the head's input space) and its nearest class centroid.
 */
import type { HeadArtifact } from './artifact.ts';
import type { ClassifyOutput } from './classify-predict.ts';
import type { OosScore } from './classify-fields.ts';

/**
 * One in-scope score per row.
 *
 * @example inScopeScores('max_probability', head.classify!(rows, n), n, {}) // Float64Array of n values
 */
export function inScopeScores(kind: OosScore, out: ClassifyOutput, n: number, { temperature = 1, centroids }: { temperature?: number; centroids?: readonly (readonly number[])[] | undefined }): Float64Array {
  const { k } = out;
  const scores = new Float64Array(n);
  if (kind === 'max_probability') {
    for (let r = 0; r < n; r++) {
      let m = 0;
      for (let c = 0; c < k; c++) m = Math.max(m, out.probs[r * k + c]!);
      scores[r] = m;
    }
  } else if (kind === 'energy') {
    for (let r = 0; r < n; r++) {
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, out.logits[r * k + c]! / temperature);
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(out.logits[r * k + c]! / temperature - m);
      scores[r] = temperature * (m + Math.log(s));
    }
  } else {
    if (!centroids?.length) throw new Error('the centroid score needs class centroids');
    const d = centroids[0]!.length;
    for (let r = 0; r < n; r++) {
      let norm = 0;
      for (let j = 0; j < d; j++) norm += out.space[r * d + j]! ** 2;
      norm = Math.sqrt(norm) || 1;
      let best = -1;
      for (const mu of centroids) {
        let t = 0;
        for (let j = 0; j < d; j++) t += mu[j]! * out.space[r * d + j]!;
        best = Math.max(best, t / norm);
      }
      scores[r] = best;
    }
  }
  return scores;
}

export interface AbstainDecision {
  score: OosScore;
  threshold: number;
  /** `head`: the threshold stored in the artifact; `request`: given with the request. */
  source: 'head' | 'request';
}

/**
 * The rule to apply: the artifact's, with the request's threshold instead when one is given. A head trained
 * without a rule abstains only when a request gives a threshold (then on the max probability).
 *
 * @example abstainRule(head.artifact, 0.6) // { score: 'max_probability', threshold: 0.6, source: 'request' }
 */
export function abstainRule(artifact: Pick<HeadArtifact, 'abstain'>, threshold?: number): AbstainDecision | null {
  const score = artifact.abstain?.score ?? 'max_probability';
  if (threshold !== undefined) return { score, threshold, source: 'request' };
  return artifact.abstain ? { score, threshold: artifact.abstain.threshold, source: 'head' } : null;
}

/**
 * In-scope scores under the artifact's calibration and centroids.
 *
 * @example const s = scoresFor(head.artifact, 'energy', head.classify!(rows, n), n);
 */
export function scoresFor(artifact: Pick<HeadArtifact, 'abstain' | 'calibration'>, kind: OosScore, out: ClassifyOutput, n: number): Float64Array {
  return inScopeScores(kind, out, n, { temperature: artifact.calibration?.temperature ?? 1, centroids: artifact.abstain?.centroids });
}
