/**
 * A plain SVG bar chart (horizontal bars with confidence-interval whiskers), written by hand so reports need no
 * plotting dependency.
 */

export interface Bar {
  label: string;
  value: number;
  lower?: number;
  upper?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Renders bars scaled to `max` (default: the largest upper bound, at least 1e-9).
 *
 * @example barChartSvg([{ label: 'bm25', value: 0.6, lower: 0.55, upper: 0.65 }], { title: 'nDCG@10' })
 */
export function barChartSvg(bars: readonly Bar[], { title = '', width = 720, barHeight = 26, labelWidth = 220, max }: { title?: string; width?: number; barHeight?: number; labelWidth?: number; max?: number } = {}): string {
  const top = title ? 40 : 12;
  const plot = width - labelWidth - 80;
  const scaleMax = max ?? Math.max(1e-9, ...bars.map((b) => b.upper ?? b.value));
  const x = (v: number) => labelWidth + (Math.max(0, v) / scaleMax) * plot;
  const height = top + bars.length * (barHeight + 8) + 30;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (title) out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  bars.forEach((b, i) => {
    const y = top + i * (barHeight + 8);
    const mid = y + barHeight / 2;
    out.push(`<text x="${labelWidth - 8}" y="${mid + 4}" text-anchor="end">${esc(b.label)}</text>`);
    out.push(`<rect x="${labelWidth}" y="${y}" width="${(x(b.value) - labelWidth).toFixed(1)}" height="${barHeight}" fill="${i === 0 ? '#9aa5b1' : '#3b7dd8'}"/>`);
    if (b.lower !== undefined && b.upper !== undefined) {
      const [l, u] = [x(b.lower).toFixed(1), x(b.upper).toFixed(1)];
      out.push(`<line x1="${l}" y1="${mid}" x2="${u}" y2="${mid}" stroke="black"/>`);
      out.push(`<line x1="${l}" y1="${mid - 6}" x2="${l}" y2="${mid + 6}" stroke="black"/>`, `<line x1="${u}" y1="${mid - 6}" x2="${u}" y2="${mid + 6}" stroke="black"/>`);
    }
    out.push(`<text x="${(x(b.upper ?? b.value) + 6).toFixed(1)}" y="${mid + 4}">${b.value.toFixed(3)}</text>`);
  });
  const axisY = top + bars.length * (barHeight + 8) + 4;
  out.push(`<line x1="${labelWidth}" y1="${axisY}" x2="${labelWidth + plot}" y2="${axisY}" stroke="#555"/>`);
  for (let t = 0; t <= 4; t++) {
    const v = (scaleMax * t) / 4;
    out.push(`<text x="${x(v).toFixed(1)}" y="${axisY + 16}" text-anchor="middle" font-size="11">${v.toFixed(2)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
