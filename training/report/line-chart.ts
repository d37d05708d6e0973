/**
 * A plain SVG line chart (several series over shared [0, 1] axes, optional marked points), written by hand like
 * `svg.ts` so reports need no plotting dependency. Used for trade-off curves (out-of-scope recall vs in-scope
 * accuracy).
 */

export interface Series {
  label: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** A point to mark on the line (e.g. the chosen threshold). */
  mark?: readonly [number, number];
}

const COLOURS = ['#3b7dd8', '#d8763b', '#3bd87d', '#a03bd8', '#d83b5e', '#777777'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Renders the series on axes from `min` to 1 (x and y; values outside are clipped).
 *
 * @example lineChartSvg([{ label: 'max prob', points: [[0, 0.9], [0.5, 0.8]] }], { x: 'OOS recall', y: 'in-scope accuracy' })
 */
export function lineChartSvg(series: readonly Series[], { title = '', x: xLabel = '', y: yLabel = '', width = 640, height = 440, xMin = 0, yMin = 0 }: { title?: string; x?: string; y?: string; width?: number; height?: number; xMin?: number; yMin?: number } = {}): string {
  const left = 60;
  const top = title ? 40 : 16;
  const legend = 18 * series.length + 10;
  const plotW = width - left - 20;
  const plotH = height - top - 50 - legend;
  const px = (v: number) => left + ((Math.min(1, Math.max(xMin, v)) - xMin) / (1 - xMin)) * plotW;
  const py = (v: number) => top + plotH - ((Math.min(1, Math.max(yMin, v)) - yMin) / (1 - yMin)) * plotH;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (title) out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (let t = 0; t <= 4; t++) {
    const vx = xMin + ((1 - xMin) * t) / 4;
    const vy = yMin + ((1 - yMin) * t) / 4;
    out.push(`<line x1="${px(vx).toFixed(1)}" y1="${top}" x2="${px(vx).toFixed(1)}" y2="${top + plotH}" stroke="#eee"/>`);
    out.push(`<line x1="${left}" y1="${py(vy).toFixed(1)}" x2="${left + plotW}" y2="${py(vy).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${px(vx).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" font-size="11">${vx.toFixed(2)}</text>`);
    out.push(`<text x="${left - 6}" y="${(py(vy) + 4).toFixed(1)}" text-anchor="end" font-size="11">${vy.toFixed(2)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#555"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text x="14" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${top + plotH / 2})">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const path = s.points.map(([a, b], j) => `${j ? 'L' : 'M'}${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(' ');
    if (path) out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    if (s.mark) out.push(`<circle cx="${px(s.mark[0]).toFixed(1)}" cy="${py(s.mark[1]).toFixed(1)}" r="5" fill="${colour}" stroke="black"/>`);
    const ly = top + plotH + 52 + i * 18;
    out.push(`<line x1="${left}" y1="${ly - 4}" x2="${left + 24}" y2="${ly - 4}" stroke="${colour}" stroke-width="3"/>`);
    out.push(`<text x="${left + 30}" y="${ly}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
