/**
 * Trains a query-side low-rank adapter, q' = normalise(q + U (V q)), on (query vector, positive document vector,
 * hard negative vectors) triples with an in-batch contrastive loss (InfoNCE): each query must score its positive
 * above the other queries' positives in the batch and above its own hard negatives. U starts at zero (the
 * identity map) and is kept small by weight decay; the encoder stays frozen, so only the adapter's 2 x dim x rank
 * weights learn. Adam, hand-written over Float32Arrays (a few thousand examples, seconds per epoch).
 */
import { adaptVector } from '../../service/retrieval/adapter.ts';
import { createRng } from '../eval/stats.ts';

export interface AdapterExample {
  query: Float32Array;
  positive: Float32Array;
  /** Id of the positive (in-batch copies of the same document are not treated as negatives). */
  positiveId: string;
  negatives: Float32Array[];
}

export interface AdapterWeights {
  dim: number;
  rank: number;
  /** V, rank x dim. */
  down: Float32Array;
  /** U, dim x rank. */
  up: Float32Array;
}

export interface AdapterTrainOptions {
  rank?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Softmax temperature of the contrastive loss. */
  temperature?: number;
  /** Weight decay on U (pulls the map toward the identity). */
  decay?: number;
  seed?: number;
  /** Called after every epoch with the weights so far; return a score to keep the best epoch (higher is better). */
  onEpoch?: (epoch: number, weights: AdapterWeights, loss: number) => number | undefined;
}

/** A fresh adapter: random V, zero U (exactly the identity map). */
export function initAdapter(dim: number, rank: number, seed = 1): AdapterWeights {
  const rand = createRng(seed);
  const down = Float32Array.from({ length: rank * dim }, () => (rand() * 2 - 1) * Math.sqrt(3 / dim));
  return { dim, rank, down, up: new Float32Array(dim * rank) };
}

interface Adam {
  m: Float32Array;
  v: Float32Array;
}

function adamStep(w: Float32Array, g: Float32Array, s: Adam, lr: number, t: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): void {
  const c1 = 1 - b1 ** t;
  const c2 = 1 - b2 ** t;
  for (let i = 0; i < w.length; i++) {
    s.m[i] = b1 * s.m[i]! + (1 - b1) * g[i]!;
    s.v[i] = b2 * s.v[i]! + (1 - b2) * g[i]! * g[i]!;
    w[i]! -= (lr * (s.m[i]! / c1)) / (Math.sqrt(s.v[i]! / c2) + eps);
  }
}

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/**
 * Trains an adapter; returns the weights of the best epoch by `onEpoch`'s score (the last when it gives none) and
 * the loss per epoch.
 *
 * @example const { weights } = trainAdapter(examples, 384, { rank: 32, epochs: 10, onEpoch: (e, w) => devMrr(w) });
 */
export function trainAdapter(examples: readonly AdapterExample[], dim: number, o: AdapterTrainOptions = {}): { weights: AdapterWeights; losses: number[]; bestEpoch: number; scores: Array<number | undefined> } {
  const { rank = 32, epochs = 10, batchSize = 64, learningRate = 1e-3, temperature = 0.05, decay = 1e-3, seed = 1 } = o;
  const w = initAdapter(dim, rank, seed);
  const adamDown: Adam = { m: new Float32Array(w.down.length), v: new Float32Array(w.down.length) };
  const adamUp: Adam = { m: new Float32Array(w.up.length), v: new Float32Array(w.up.length) };
  const rand = createRng(seed + 1);
  const order = examples.map((_, i) => i);
  const gDown = new Float32Array(w.down.length);
  const gUp = new Float32Array(w.up.length);
  const h = new Float32Array(rank);
  const z = new Float32Array(dim);
  const gq = new Float32Array(dim);
  const gh = new Float32Array(rank);
  const losses: number[] = [];
  const scores: Array<number | undefined> = [];
  let best: { epoch: number; score: number; weights: AdapterWeights } | null = null;
  let step = 0;
  const startScore = o.onEpoch?.(0, w, NaN);
  if (startScore !== undefined) best = { epoch: 0, score: startScore, weights: { ...w, down: w.down.slice(), up: w.up.slice() } };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let lossSum = 0;
    for (let b0 = 0; b0 < order.length; b0 += batchSize) {
      const batch = order.slice(b0, b0 + batchSize).map((i) => examples[i]!);
      gDown.fill(0);
      gUp.fill(0);
      for (const ex of batch) {
        // Forward: h = V q, z = q + U h, q' = z / |z|.
        for (let r = 0; r < rank; r++) {
          let s = 0;
          for (let i = 0; i < dim; i++) s += w.down[r * dim + i]! * ex.query[i]!;
          h[r] = s;
        }
        let norm = 0;
        for (let i = 0; i < dim; i++) {
          let s = ex.query[i]!;
          for (let r = 0; r < rank; r++) s += w.up[i * rank + r]! * h[r]!;
          z[i] = s;
          norm += s * s;
        }
        norm = Math.sqrt(norm) || 1;
        const qa = z.map((x) => x / norm);
        // Candidates: own positive first, the other positives of the batch, own hard negatives.
        const cands: Float32Array[] = [ex.positive];
        for (const other of batch) if (other !== ex && other.positiveId !== ex.positiveId) cands.push(other.positive);
        cands.push(...ex.negatives);
        const logits = cands.map((d) => dot(qa, d) / temperature);
        const m = Math.max(...logits);
        const exps = logits.map((l) => Math.exp(l - m));
        const sum = exps.reduce((a, c) => a + c, 0);
        lossSum += -(logits[0]! - m - Math.log(sum));
        // dL/dq' = sum_j (p_j - y_j) d_j / T.
        gq.fill(0);
        cands.forEach((d, j) => {
          const coef = (exps[j]! / sum - (j === 0 ? 1 : 0)) / temperature;
          for (let i = 0; i < dim; i++) gq[i]! += coef * d[i]!;
        });
        // Through the normalisation: dz = (g - (g . q') q') / |z|.
        const gDotQ = dot(gq, qa);
        for (let i = 0; i < dim; i++) gq[i] = (gq[i]! - gDotQ * qa[i]!) / norm;
        // dU = dz h^T, dh = U^T dz, dV = dh q^T.
        gh.fill(0);
        for (let i = 0; i < dim; i++) {
          const dz = gq[i]!;
          for (let r = 0; r < rank; r++) {
            gUp[i * rank + r]! += dz * h[r]!;
            gh[r]! += w.up[i * rank + r]! * dz;
          }
        }
        for (let r = 0; r < rank; r++) for (let i = 0; i < dim; i++) gDown[r * dim + i]! += gh[r]! * ex.query[i]!;
      }
      const n = batch.length;
      for (let i = 0; i < gUp.length; i++) gUp[i] = gUp[i]! / n + decay * w.up[i]!;
      for (let i = 0; i < gDown.length; i++) gDown[i] = gDown[i]! / n;
      step++;
      adamStep(w.up, gUp, adamUp, learningRate, step);
      adamStep(w.down, gDown, adamDown, learningRate, step);
    }
    const loss = lossSum / Math.max(1, examples.length);
    losses.push(loss);
    const score = o.onEpoch?.(epoch, w, loss);
    scores.push(score);
    if (score !== undefined && (!best || score > best.score)) best = { epoch, score, weights: { ...w, down: w.down.slice(), up: w.up.slice() } };
  }
  return { weights: best?.weights ?? w, losses, bestEpoch: best?.epoch ?? epochs, scores: [startScore, ...scores] };
}

/**
 * Applies trained weights to a vector (as the service's adapter does).
 *
 * @example applyWeights(weights, queryVector)
 */
export function applyWeights(w: AdapterWeights, v: Float32Array): Float32Array {
  return adaptVector(v, w.down, w.up, w.dim, w.rank);
}
