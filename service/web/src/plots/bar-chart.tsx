/**
 * Horizontal bars, optionally with confidence-interval whiskers: nDCG@10 per system, F1 per class, counts of
 * confused pairs. Each bar carries its label and value (`data-label`, `data-value`) and each whisker its bounds.
 */
import { fmt, linearScale, niceMax, niceTicks } from './scale.ts';

export interface BarItem {
  label: string;
  value: number;
  lower?: number | undefined;
  upper?: number | undefined;
  /** A different colour (e.g. the baseline). */
  muted?: boolean;
}

export function BarChart({ items, title, max, width = 720, labelWidth = 230, digits = 3 }: { items: BarItem[]; title: string; max?: number; width?: number; labelWidth?: number; digits?: number }) {
  const bar = 18;
  const gap = 6;
  const top = 8;
  const hi = max ?? niceMax(Math.max(1e-9, ...items.map((b) => b.upper ?? b.value)));
  const x = linearScale([0, hi], [labelWidth, width - 70]);
  const axisY = top + items.length * (bar + gap) + 2;
  return (
    <figure class="bar-chart">
      <figcaption>{title}</figcaption>
      <svg width={width} height={axisY + 20} role="img" aria-label={`${title}: ${items.map((b) => `${b.label} ${fmt(b.value, digits)}`).join(', ')}`}>
        {items.map((b, i) => {
          const yy = top + i * (bar + gap);
          const mid = yy + bar / 2;
          return (
            <g class="bar-row">
              <text class="bar-label" x={labelWidth - 8} y={mid + 4} text-anchor="end">
                {b.label}
              </text>
              <rect class={b.muted ? 'bar muted' : 'bar'} data-label={b.label} data-value={String(b.value)} x={labelWidth} y={yy} width={Math.max(0, x(Math.max(0, b.value)) - labelWidth)} height={bar} />
              {b.lower !== undefined && b.upper !== undefined ? (
                <g class="ci" data-lower={String(b.lower)} data-upper={String(b.upper)}>
                  <line x1={x(b.lower)} x2={x(b.upper)} y1={mid} y2={mid} />
                  <line x1={x(b.lower)} x2={x(b.lower)} y1={mid - 5} y2={mid + 5} />
                  <line x1={x(b.upper)} x2={x(b.upper)} y1={mid - 5} y2={mid + 5} />
                </g>
              ) : null}
              <text class="bar-value" x={x(b.upper ?? b.value) + 6} y={mid + 4}>
                {fmt(b.value, digits)}
              </text>
            </g>
          );
        })}
        <line class="axis-line" x1={labelWidth} x2={x(hi)} y1={axisY} y2={axisY} />
        {niceTicks(0, hi, 4).map((t) => (
          <text class="tick" x={x(t)} y={axisY + 14} text-anchor="middle">
            {fmt(t, 2)}
          </text>
        ))}
      </svg>
    </figure>
  );
}
