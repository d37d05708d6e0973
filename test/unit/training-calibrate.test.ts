import { describe, expect, it } from 'vitest';
import { calibrate, expectedCalibrationError, fitTemperature, negLogLikelihood, softmaxAt } from '../../training/classify/calibrate.ts';
import { createRng } from '../../training/eval/stats.ts';

/** Labels drawn from softmax(trueLogits); the head reports `scale` times those logits (over-confident when > 1). */
function sample(n: number, k: number, scale: number, rand: () => number) {
  const logits = new Float64Array(n * k);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const z = Array.from({ length: k }, () => (rand() - 0.5) * 4);
    const p = softmaxAt(z, 1, k, 1);
    let u = rand();
    let c = 0;
    while (c < k - 1 && (u -= p[c]!) > 0) c++;
    y[r] = c;
    z.forEach((v, c2) => (logits[r * k + c2] = v * scale));
  }
  return { logits, y };
}

describe('temperature scaling', () => {
  it('recovers the over-confidence factor and lowers the expected calibration error', () => {
    const { logits, y } = sample(4000, 5, 3, createRng(5));
    const t = fitTemperature(logits, y, 4000, 5);
    expect(t).toBeGreaterThan(2.5);
    expect(t).toBeLessThan(3.5);
    const cal = calibrate(logits, y, 4000, 5);
    console.log(`synthetic over-confident head: T = ${cal.temperature.toFixed(3)}, ECE ${(cal.eceBefore * 100).toFixed(2)} % -> ${(cal.eceAfter * 100).toFixed(2)} %, NLL ${cal.nllBefore.toFixed(4)} -> ${cal.nllAfter.toFixed(4)}`);
    expect(cal.eceAfter).toBeLessThan(cal.eceBefore / 2);
    expect(cal.nllAfter).toBeLessThan(cal.nllBefore);
  });

  it('leaves a calibrated head near T = 1', () => {
    const { logits, y } = sample(4000, 5, 1, createRng(6));
    expect(fitTemperature(logits, y, 4000, 5)).toBeCloseTo(1, 0);
  });

  it('computes ECE and NLL as defined', () => {
    // Two rows, confidence 0.9 (right) and 0.6 (wrong): bins hold |1 - 0.9| and |0 - 0.6|, each weighted 1/2.
    const { ece } = expectedCalibrationError(Float32Array.of(0.9, 0.1, 0.6, 0.4), Int32Array.of(0, 1), 2, 2);
    expect(ece).toBeCloseTo(0.35, 6);
    expect(negLogLikelihood(Float64Array.of(Math.log(3), 0), Int32Array.of(0), 1, 2)).toBeCloseTo(-Math.log(0.75), 9);
  });
});
