/**
 * Release-date phrases: "this year", "last year", "last 30 days", "past month", "released in 2024", "since
 * 2023", "before 2020", and "new"/"latest" (a soft preference for the last year, never a filter). Ranges are
 * written as Elasticsearch date math (`now/y`, `now-30d/d`) so they stay true whenever they are evaluated.
 */
import type { Candidate } from './candidate.ts';
import { NUMBER_WORDS } from './units.ts';

const LEAD = String.raw`(?:(?:released|launched|introduced|added|made|listed|came out|from|in)\s+)*`;
const B = String.raw`(?<![\p{L}\p{N}])`;
const E = String.raw`(?![\p{L}\p{N}])`;
const UNIT: Record<string, string> = { day: 'd', days: 'd', week: 'w', weeks: 'w', month: 'M', months: 'M', year: 'y', years: 'y' };

interface DatePattern {
  re: RegExp;
  range: (m: RegExpExecArray) => Candidate['range'] | undefined;
  soft?: boolean;
}

const year = (y: number) => `${y}-01-01`;

const PATTERNS: DatePattern[] = [
  { re: new RegExp(`${B}${LEAD}(?:this|the current)\\s+year${E}`, 'giu'), range: () => ({ gte: 'now/y' }) },
  { re: new RegExp(`${B}${LEAD}this\\s+(month|week)${E}`, 'giu'), range: (m) => ({ gte: `now/${m[1]!.toLowerCase() === 'month' ? 'M' : 'w'}` }) },
  // "in the last year" is the past twelve months; "last year" alone the calendar year before this one.
  { re: new RegExp(`${B}${LEAD}(?<!the\\s+)last\\s+year${E}`, 'giu'), range: () => ({ gte: 'now-1y/y', lt: 'now/y' }) },
  {
    re: new RegExp(`${B}${LEAD}(?:within\\s+)?(?:the\\s+)?(?:last|past|previous)\\s+(?:(\\d{1,3}|${Object.keys(NUMBER_WORDS).join('|')})\\s+)?(days?|weeks?|months?|years?)${E}`, 'giu'),
    range: (m) => {
      const n = m[1] ? (NUMBER_WORDS[m[1].toLowerCase()] ?? Number(m[1])) : 1;
      return n > 0 ? { gte: `now-${n}${UNIT[m[2]!.toLowerCase()]}/d` } : undefined;
    },
  },
  {
    re: new RegExp(`${B}(?:(?:released|launched|made|from)\\s+)?(since|after|before|from|in)\\s+((?:19|20)\\d{2})${E}`, 'giu'),
    range: (m) => {
      const y = Number(m[2]);
      const w = m[1]!.toLowerCase();
      if (w === 'since') return { gte: year(y) };
      if (w === 'after') return { gte: year(y + 1) };
      if (w === 'before') return { lt: year(y) };
      return { gte: year(y), lt: year(y + 1) };
    },
  },
  {
    re: new RegExp(`${B}((?:19|20)\\d{2})\\s+(?:(or\\s+(?:newer|later|after)|and\\s+(?:newer|later|up|after)|onwards?)|(?:models?|releases?|editions?|collections?|range|line-?up))${E}`, 'giu'),
    range: (m) => (m[2] ? { gte: year(Number(m[1])) } : { gte: year(Number(m[1])), lt: year(Number(m[1]) + 1) }),
  },
  { re: new RegExp(`${B}(?:brand[\\s-]new|newest|latest|newly released|just released|recently released|new(?:\\s+(?:arrivals?|releases?|models?|launch(?:es)?))?)${E}`, 'giu'), range: () => ({ gte: 'now-1y/d' }), soft: true },
];

/**
 * Date candidates in a query.
 *
 * @example recogniseDates('tv released this year') // [{ start: 3, end: 20, field: 'release_date', range: { gte: 'now/y' }, ... }]
 */
export function recogniseDates(query: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { re, range, soft } of PATTERNS) {
    for (const m of query.matchAll(re)) {
      const r = range(m);
      if (!r || out.some((c) => m.index < c.end && m.index + m[0].length > c.start)) continue;
      out.push({
        start: m.index,
        end: m.index + m[0].length,
        kind: 'date',
        field: 'release_date',
        range: r,
        confidence: soft ? 0.5 : 0.9,
        match: 'phrase',
        ...(soft ? { soft: true } : {}),
        // "new" also says what kind of product is wanted; only explicit dates leave the text.
        strip: !soft,
      });
    }
  }
  return out;
}
