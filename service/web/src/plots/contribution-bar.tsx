/**
 * One hit's score as a stacked bar of its signal contributions, on a scale shared by every hit in the list (so
 * bar lengths compare across hits). Positive parts stack right of zero in signal order, negative parts left of it;
 * the marker is the score. Each segment carries its value (`data-value`) and the SVG its pixels per unit, so what
 * is drawn can be checked against the numbers.
 */
import { signalColor } from './colors.ts';
import { fmt, type Scale } from './scale.ts';

export interface ContributionBarProps {
  contributions: Record<string, number>;
  score: number;
  scale: Scale;
  signals: readonly string[];
  height?: number;
}

export function ContributionBar({ contributions, score, scale, signals, height = 16 }: ContributionBarProps) {
  const order = [...signals, ...Object.keys(contributions).filter((s) => !signals.includes(s))];
  const zero = scale(0);
  let right = zero;
  let left = zero;
  const segs = [];
  for (const s of order) {
    const v = contributions[s];
    if (typeof v !== 'number' || v === 0 || !Number.isFinite(v)) continue;
    const w = Math.abs(v) * scale.k;
    const x = v > 0 ? right : left - w;
    if (v > 0) right += w;
    else left -= w;
    segs.push(
      <rect class="seg" data-signal={s} data-value={String(v)} x={x} y={2} width={w} height={height} fill={signalColor(s)}>
        <title>{`${s}: ${fmt(v, 4)}`}</title>
      </rect>,
    );
  }
  const width = scale.range[1];
  const label = `score ${fmt(score, 4)} = ${order
    .filter((s) => typeof contributions[s] === 'number' && contributions[s] !== 0)
    .map((s) => `${s} ${fmt(contributions[s], 4)}`)
    .join(' + ')}`;
  return (
    <svg class="contrib" width={width} height={height + 4} role="img" aria-label={label} data-score={String(score)} data-px-per-unit={String(scale.k)} data-zero={String(zero)}>
      {segs}
      <line x1={zero} x2={zero} y1={0} y2={height + 4} class="zero" />
      <line x1={scale(score)} x2={scale(score)} y1={0} y2={height + 4} class="score-mark" />
    </svg>
  );
}

/** The shared axis above a list of contribution bars. */
export function Axis({ scale, ticks }: { scale: Scale; ticks: number[] }) {
  const width = scale.range[1];
  return (
    <svg class="axis" width={width} height={20} aria-hidden="true">
      <line x1={scale.range[0]} x2={width} y1={18} y2={18} />
      {ticks.map((t) => (
        <g>
          <line x1={scale(t)} x2={scale(t)} y1={14} y2={18} />
          <text x={Math.min(width - 14, Math.max(10, scale(t)))} y={11} text-anchor="middle">
            {fmt(t, 2)}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** The legend: a swatch per signal. */
export function Legend({ signals }: { signals: readonly string[] }) {
  return (
    <ul class="legend" aria-label="signals">
      {signals.map((s) => (
        <li>
          <span class="swatch" style={{ background: signalColor(s) }} aria-hidden="true" />
          {s}
        </li>
      ))}
    </ul>
  );
}
