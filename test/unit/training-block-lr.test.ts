import { describe, expect, it } from 'vitest';
import { blockWeightGrid, fitBlockLr, normaliseBlocks, stratifiedFolds } from '../../training/classify/block-lr.ts';
import { fitLbfgsSoftmax, logits, softmaxInPlace } from '../../training/classify/lbfgs-softmax.ts';
import { createRng } from '../../training/eval/stats.ts';

/** Rows of an informative 2-d block (4 classes on a circle, angles jittered) followed by `noiseDims` of noise. */
function synthetic(n: number, noiseDims: number, rand: () => number, { noise = 1, jitter = 1.2 } = {}) {
  const d = 2 + noiseDims;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 4;
    const angle = (y[i]! * Math.PI) / 2 + (rand() - 0.5) * jitter;
    x[i * d] = Math.cos(angle);
    x[i * d + 1] = Math.sin(angle);
    for (let j = 2; j < d; j++) x[i * d + j] = (rand() - 0.5) * noise;
  }
  return { x, y, d };
}

describe('L-BFGS softmax regression', () => {
  it('reaches the optimum: the penalised gradient vanishes', () => {
    const { x, y, d } = synthetic(40, 3, createRng(3));
    const k = 4;
    const c = 2;
    const w = fitLbfgsSoftmax(x, 40, d, y, k, { c, maxIter: 300 });
    const p = softmaxInPlace(logits(w, x, 40, d, k), 40, k);
    // d/dW_cj of sum(loss) + ||W||^2 / (2C) = sum_r (p_rc - [y_r = c]) x_rj + W_cj / C
    let worst = 0;
    for (let cl = 0; cl < k; cl++) {
      for (let j = 0; j < d; j++) {
        let g = w[cl * (d + 1) + j]! / c;
        for (let r = 0; r < 40; r++) g += (p[r * k + cl]! - (y[r] === cl ? 1 : 0)) * x[r * d + j]!;
        worst = Math.max(worst, Math.abs(g));
      }
    }
    expect(worst).toBeLessThan(1e-3);
  });
});

describe('block-weighted LR', () => {
  it('lists every weight combination with the first block fixed at 1', () => {
    expect(blockWeightGrid(3, [1, 0.5])).toEqual([
      [1, 1, 1],
      [1, 1, 0.5],
      [1, 0.5, 1],
      [1, 0.5, 0.5],
    ]);
    expect(blockWeightGrid(1)).toEqual([[1]]);
  });

  it('centres each block and scales it to its weight', () => {
    const x = Float32Array.of(1, 2, 3, 4, 5, 3, 4, 5, 6, 7);
    const mean = [2, 3, 4, 5, 6];
    const z = normaliseBlocks(x, 2, [2, 3], mean, [1, 0.5]);
    const norm = (a: ArrayLike<number>) => Math.hypot(...Array.from(a));
    expect(norm(z.subarray(0, 2))).toBeCloseTo(1, 5);
    expect(norm(z.subarray(2, 5))).toBeCloseTo(0.5, 5);
    expect(Array.from(z.subarray(0, 2)).map((v) => v * Math.SQRT2)).toEqual([expect.closeTo(-1, 5), expect.closeTo(-1, 5)]);
    expect(() => normaliseBlocks(x, 2, [2, 3], mean, [1])).toThrow(/weights/);
  });

  it('deals each label evenly over the folds, every row once', () => {
    const labels = Int32Array.from({ length: 30 }, (_, i) => i % 3);
    const folds = stratifiedFolds(labels, 5, createRng(4));
    expect(folds.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const fold of folds) for (const c of [0, 1, 2]) expect(fold.filter((i) => labels[i] === c)).toHaveLength(2);
  });

  it('turns down a block of noise by cross-validation and beats equal weights', () => {
    // Overlapping classes and little data: with equal weights LR fits the noise block (C = 100 barely restrains it).
    const rand = createRng(7);
    const train = synthetic(32, 10, rand, { noise: 3, jitter: 2 });
    const test = synthetic(400, 10, rand, { noise: 3, jitter: 2 });
    const blocks = [2, 10];
    const accuracy = (s: Float64Array) => {
      let ok = 0;
      for (let r = 0; r < 400; r++) {
        let best = 0;
        for (let c = 1; c < 4; c++) if (s[r * 4 + c]! > s[r * 4 + best]!) best = c;
        if (best === test.y[r]) ok++;
      }
      return ok / 400;
    };
    const tuned = fitBlockLr(train.x, train.y, 32, blocks, 4, { weightGrid: blockWeightGrid(2, [1, 0.2]), cs: [100], folds: 4 });
    const equal = fitBlockLr(train.x, train.y, 32, blocks, 4, { weightGrid: [[1, 1]], cs: [100] });
    expect(tuned.config.weights).toEqual([1, 0.2]);
    expect(tuned.tried).toHaveLength(2);
    expect(equal.tried).toHaveLength(0);
    expect(accuracy(tuned.logits(test.x, 400))).toBeGreaterThan(accuracy(equal.logits(test.x, 400)) + 0.05);
  });
});
