/**
 * A linear scale and "nice" axis ticks for the page's SVG plots (bars, stacked bars, whiskers). Pure (unit-tested).
 */

export interface Scale {
  (v: number): number;
  domain: [number, number];
  range: [number, number];
  /** Pixels per unit of the domain. */
  k: number;
}

/**
 * Maps `domain` onto `range` linearly (a zero-width domain maps everything to the range start).
 *
 * @example linearScale([0, 2], [0, 100])(1) // 50
 */
export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const f = ((v: number) => r0 + (v - d0) * k) as Scale;
  f.domain = domain;
  f.range = range;
  f.k = k;
  return f;
}

/**
 * About `count` round tick values within [lo, hi] (steps of 1, 2 or 5 times a power of ten).
 *
 * @example niceTicks(0, 1.2, 5) // [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2]
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  // The multiple of the power nearest the raw step on a log scale (thresholds at the geometric means), as d3 does.
  const err = raw / power;
  const step = power * (err >= Math.sqrt(50) ? 10 : err >= Math.sqrt(10) ? 5 : err >= Math.sqrt(2) ? 2 : 1);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(12)));
  return out;
}

/**
 * The upper end of an axis: `hi` rounded up to the next tick step.
 *
 * @example niceMax(1.17) // 1.2
 */
export function niceMax(hi: number, count = 5): number {
  if (!(hi > 0)) return 1;
  const ticks = niceTicks(0, hi, count);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : hi;
  return Math.ceil(hi / step - 1e-9) * step;
}

/**
 * Sums of the positive and of the negative parts of a set of contributions.
 *
 * @example stackExtent({ a: 1, b: -0.5, c: 0.25 }) // { pos: 1.25, neg: -0.5 }
 */
export function stackExtent(values: Record<string, number>): { pos: number; neg: number } {
  let pos = 0;
  let neg = 0;
  for (const v of Object.values(values)) {
    if (v > 0) pos += v;
    else neg += v;
  }
  return { pos, neg };
}

/**
 * Short number text for labels.
 *
 * @example fmt(0.123456) // '0.123'
 */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && abs < 10 ** -digits) return v.toExponential(1);
  return v.toFixed(digits);
}

/**
 * One scale for a list of stacked bars: from the most negative stack (or 0) to the largest positive one, rounded
 * up, onto [0, width].
 *
 * @example sharedScale([{ a: 0.9, b: 0.1 }, { a: 0.5 }], 200).domain // [0, 1]
 */
export function sharedScale(stacks: ReadonlyArray<Record<string, number>>, width: number): Scale {
  let lo = 0;
  let hi = 0;
  for (const s of stacks) {
    const { pos, neg } = stackExtent(s);
    hi = Math.max(hi, pos);
    lo = Math.min(lo, neg);
  }
  return linearScale([lo < 0 ? -niceMax(-lo) : 0, niceMax(hi)], [0, width]);
}
