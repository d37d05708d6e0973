/**
 * Temperature scaling (Guo et al. 2017): one scalar T divides every logit so that the softmax probabilities of
 * held-out rows match how often the head is right. T is fitted on rows the weights never saw (the calibration
 * split), by minimising their negative log-likelihood; it changes no arg-max, only the confidence. The expected
 * calibration error (ECE, 15 equal-width confidence bins) is reported before and after.
 */

/**
 * Row softmax of `logits / temperature` (row-major `n x k`), as float32 probabilities.
 *
 * @example softmaxAt(Float64Array.of(2, 0), 1, 2, 2) // [0.73, 0.27]
 */
export function softmaxAt(logits: ArrayLike<number>, n: number, k: number, temperature = 1): Float32Array {
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[r * k + c]! / temperature);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logits[r * k + c]! / temperature - max);
    for (let c = 0; c < k; c++) out[r * k + c] = Math.exp(logits[r * k + c]! / temperature - max) / sum;
  }
  return out;
}

/**
 * Mean negative log-likelihood of labels `y` under `softmax(logits / temperature)`.
 *
 * @example negLogLikelihood(Float64Array.of(2, 0), Int32Array.of(0), 1, 2) // 0.127
 */
export function negLogLikelihood(logits: ArrayLike<number>, y: ArrayLike<number>, n: number, k: number, temperature = 1): number {
  let total = 0;
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[r * k + c]! / temperature);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logits[r * k + c]! / temperature - max);
    total += max + Math.log(sum) - logits[r * k + y[r]!]! / temperature;
  }
  return total / n;
}

/**
 * The temperature that minimises the held-out NLL: golden-section search on log T in [0.2, 10] (the NLL is
 * unimodal in T, and one parameter needs no gradient). The bounds matter when the held-out rows are all classified
 * right: the NLL then keeps falling as T -> 0, and sharpening by more than 5x would be fitted to nothing.
 *
 * @example const t = fitTemperature(heldOutLogits, heldOutLabels, n, 77); // e.g. 0.6: the head was under-confident
 */
export function fitTemperature(logits: ArrayLike<number>, y: ArrayLike<number>, n: number, k: number, { lower = 0.2, upper = 10, iterations = 40 } = {}): number {
  if (n === 0) return 1;
  const f = (logT: number) => negLogLikelihood(logits, y, n, k, Math.exp(logT));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(lower);
  let b = Math.log(upper);
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iterations; i++) {
    if (fc < fd) {
      [b, d, fd] = [d, c, fc];
      c = b - ratio * (b - a);
      fc = f(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + ratio * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

export interface CalibrationBin {
  /** Upper edge of the confidence bin. */
  upper: number;
  count: number;
  confidence: number;
  accuracy: number;
}

/**
 * Expected calibration error of the top-label confidence: rows binned by their max probability into `bins` equal
 * bins, ECE = sum over bins of (bin size / n) * |accuracy - mean confidence|.
 *
 * @example expectedCalibrationError(Float32Array.of(0.9, 0.1, 0.6, 0.4), Int32Array.of(0, 1), 2, 2).ece // 0.25
 */
export function expectedCalibrationError(probs: ArrayLike<number>, y: ArrayLike<number>, n: number, k: number, bins = 15): { ece: number; bins: CalibrationBin[] } {
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[r * k + c]! > probs[r * k + best]!) best = c;
    const p = probs[r * k + best]!;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]!++;
    conf[b]! += p;
    if (best === y[r]) hits[b]!++;
  }
  let ece = 0;
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (!count[b]) continue;
    const confidence = conf[b]! / count[b]!;
    const accuracy = hits[b]! / count[b]!;
    ece += (count[b]! / n) * Math.abs(accuracy - confidence);
    out.push({ upper: (b + 1) / bins, count: count[b]!, confidence, accuracy });
  }
  return { ece: n ? ece : 0, bins: out };
}

export interface CalibrationResult {
  temperature: number;
  rows: number;
  nllBefore: number;
  nllAfter: number;
  eceBefore: number;
  eceAfter: number;
}

/**
 * Fits the temperature on held-out logits and measures NLL and ECE before (T = 1) and after.
 *
 * @example const cal = calibrate(logits, y, n, k); console.log(cal.eceBefore, '->', cal.eceAfter);
 */
export function calibrate(logits: ArrayLike<number>, y: ArrayLike<number>, n: number, k: number): CalibrationResult {
  const temperature = fitTemperature(logits, y, n, k);
  return {
    temperature,
    rows: n,
    nllBefore: negLogLikelihood(logits, y, n, k, 1),
    nllAfter: negLogLikelihood(logits, y, n, k, temperature),
    eceBefore: expectedCalibrationError(softmaxAt(logits, n, k, 1), y, n, k).ece,
    eceAfter: expectedCalibrationError(softmaxAt(logits, n, k, temperature), y, n, k).ece,
  };
}
