/** Markdown tables for the encoder benchmark's medians (pasted into the README as printed). */

export interface EncoderRow {
  id: string;
  dim: number;
  batch1PerSec: number;
  batch32PerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface SkippedEncoder {
  id: string;
  reason: string;
}

export interface MiniLMFigures {
  /** int8 over fp32, median of per-run ratios. */
  speedup?: { batch1: number; batch32: number; queryP50: number };
  cosine?: { count: number; mean: number; min: number; target: number };
  pool?: {
    encoder: string;
    /** pool-1 time over in-process time, minus 1 (0.05 = 5 %). */
    overhead: number;
    target: number;
    inProcessPerSec: number;
    pool1PerSec: number;
    pool2PerSec: number;
    /** 2-thread pool throughput over in-process, median of per-run ratios. */
    pool2Speedup: number;
    /** Median single-query latency through the 1-thread pool minus in-process. */
    queryExtraMs: number;
    /** The same for a weightless encoder's one-item call: the pool's own cost per task, with no model run to hide it. */
    roundTrip?: { encoder: string; extraMs: number };
  };
}

/**
 * Formats a figure with about three significant digits and thousands separators (12,345 / 123 / 1.23 / 0.0123).
 *
 * @example formatFigure(12345.6) // '12,346'
 */
export function formatFigure(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  if (abs === 0) return '0';
  return x.toPrecision(2);
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const times = (x: number) => `${x.toFixed(2)}x`;

/**
 * The per-encoder table, then one line per skipped encoder.
 *
 * @example encoderTable([{ id: 'geo/location', dim: 3, batch1PerSec: 9e5, batch32PerSec: 4e6, p50Ms: 0.001, p99Ms: 0.004 }], [])
 */
export function encoderTable(rows: readonly EncoderRow[], skipped: readonly SkippedEncoder[]): string {
  const lines = [
    '| Encoder | Dim | Batch 1 (items/s) | Batch 32 (items/s) | One query p50 (ms) | One query p99 (ms) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| \`${r.id}\` | ${r.dim} | ${formatFigure(r.batch1PerSec)} | ${formatFigure(r.batch32PerSec)} | ${formatFigure(r.p50Ms)} | ${formatFigure(r.p99Ms)} |`),
  ];
  for (const s of skipped) lines.push('', `Skipped \`${s.id}\`: ${s.reason}`);
  return lines.join('\n');
}

/**
 * The MiniLM comparisons (int8 vs fp32, pool vs in-process); rows whose figures were not measured are left out.
 *
 * @example miniLMTable({ cosine: { count: 500, mean: 0.995, min: 0.97, target: 0.99 } })
 */
export function miniLMTable(m: MiniLMFigures): string {
  const lines = ['| MiniLM | Measured | Target |', '|---|---:|---:|'];
  if (m.speedup) {
    lines.push(`| int8 vs fp32 speed-up, batch 32 | ${times(m.speedup.batch32)} | |`);
    lines.push(`| int8 vs fp32 speed-up, batch 1 | ${times(m.speedup.batch1)} | |`);
    lines.push(`| int8 vs fp32 speed-up, one query (p50) | ${times(m.speedup.queryP50)} | |`);
  }
  if (m.cosine) {
    const ok = m.cosine.mean >= m.cosine.target ? '' : ' (below target)';
    lines.push(`| Mean cosine int8 vs fp32 (${m.cosine.count} texts; min ${m.cosine.min.toFixed(4)}) | ${m.cosine.mean.toFixed(4)}${ok} | >= ${m.cosine.target} |`);
  }
  if (m.pool) {
    const p = m.pool;
    const ok = p.overhead < p.target ? '' : ' (above target)';
    lines.push(`| Pool overhead, 1 thread, batches of 32 (\`${p.encoder}\`: ${formatFigure(p.pool1PerSec)} vs ${formatFigure(p.inProcessPerSec)} items/s) | ${pct(p.overhead)}${ok} | < ${pct(p.target)} |`);
    lines.push(`| 2-thread pool vs in-process throughput (${formatFigure(p.pool2PerSec)} vs ${formatFigure(p.inProcessPerSec)} items/s) | ${times(p.pool2Speedup)} | |`);
    lines.push(`| One query through the pool, extra latency (p50) | ${formatFigure(p.queryExtraMs)} ms | |`);
    if (p.roundTrip) lines.push(`| Pool round trip, one \`${p.roundTrip.encoder}\` item, extra latency (p50) | ${formatFigure(p.roundTrip.extraMs)} ms | |`);
  }
  return lines.join('\n');
}
