/**
 * The subset of Elasticsearch date math the parser writes (`now`, `now-30d/d`, `now/y`, `now-1y/y`, ISO dates),
 * resolved in TypeScript so the reranker and the benchmark judge dates exactly as Elasticsearch filters them.
 * Rounding follows Elasticsearch's range rules: `gte`/`lt` round down, `gt`/`lte` round up.
 */

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

function floorTo(t: Date, unit: string): Date {
  const d = new Date(t.getTime());
  switch (unit) {
    case 'y':
      return new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
    case 'M':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    case 'w': {
      const day = (d.getUTCDay() + 6) % 7; // ISO weeks start on Monday
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day));
    }
    case 'd':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    case 'h':
      return new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
    default:
      return d;
  }
}

function add(t: Date, n: number, unit: string): Date {
  if (unit === 'y') return new Date(Date.UTC(t.getUTCFullYear() + n, t.getUTCMonth(), t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()));
  if (unit === 'M') return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + n, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()));
  return new Date(t.getTime() + n * (UNIT_MS[unit] ?? 0));
}

const nextUnit = (t: Date, unit: string) => add(floorTo(t, unit), 1, unit).getTime() - 1;

/**
 * Milliseconds since the epoch for a date-math expression or an ISO date; `roundUp` for `gt`/`lte` bounds.
 * NaN when the expression is not understood.
 *
 * @example resolveDateMath('now-30d/d', Date.parse('2026-11-29T12:00:00Z')) // Date.parse('2026-10-30')
 */
export function resolveDateMath(expr: string, nowMs: number, roundUp = false): number {
  const m = /^now((?:[+-]\d+[yMwdhms])*)(?:\/([yMwdhms]))?$/.exec(expr.trim());
  if (!m) {
    const iso = Date.parse(expr);
    return Number.isNaN(iso) ? NaN : roundUp && /^\d{4}-\d{2}-\d{2}$/.test(expr.trim()) ? iso + 86_400_000 - 1 : iso;
  }
  let t = new Date(nowMs);
  for (const step of m[1]!.matchAll(/([+-])(\d+)([yMwdhms])/g)) t = add(t, (step[1] === '-' ? -1 : 1) * Number(step[2]), step[3]!);
  if (m[2]) return roundUp ? nextUnit(t, m[2]) : floorTo(t, m[2]).getTime();
  return t.getTime();
}
