/**
 * Rating phrases: "4+ stars", "4 stars and up", "over 4 stars", "at least 4.5 stars", "rated 4 or higher",
 * "5 star" (read as "at least"), and vague ones ("top rated", "highly rated"), which only boost.
 */
import type { Candidate } from './candidate.ts';
import { NUMBER_WORDS } from './units.ts';

const NUM = String.raw`(\d(?:\.\d+)?|one|two|three|four|five)`;
const B = String.raw`(?<![\p{L}\p{N}.,])`;
const E = String.raw`(?![\p{L}\p{N}])`;
const UP = String.raw`(?:\s*\+|\s*plus|\s+(?:and|&)\s+(?:up|above|over|higher|better)|\s+or\s+(?:more|higher|better|above|up|over))`;
const CMP = String.raw`(over|above|more than|greater than|at least|min(?:imum)?|under|below|less than|at most|no more than)`;

const PATTERNS: RegExp[] = [
  // [rated] [comparator] N [+] star(s) [and up]
  new RegExp(`${B}(?:(?:rated|rating(?: of)?)\\s+)?(?:${CMP}\\s+)?${NUM}(${UP})?[\\s-]*(?:stars?|star rating)(${UP})?${E}`, 'giu'),
  // rated [comparator] N [and up]   (no "stars": "rated" says it)
  new RegExp(`${B}(?:rated|rating(?: of)?|ratings?)\\s+(?:${CMP}\\s+)?${NUM}(${UP})?${E}`, 'giu'),
];

const VAGUE = /(?<![\p{L}\p{N}])(?:top|highly|best|well|high|good)[\s-]+(?:rated|reviewed|ratings?)(?![\p{L}\p{N}])/giu;

const valueOf = (s: string) => NUMBER_WORDS[s.toLowerCase()] ?? Number(s);

/**
 * Rating candidates in a query.
 *
 * @example recogniseRatings('running shoes 4+ stars')[0].range // { gte: 4 }
 */
export function recogniseRatings(query: string): Candidate[] {
  const out: Candidate[] = [];
  const free = (s: number, e: number) => !out.some((c) => s < c.end && e > c.start);
  for (const re of PATTERNS) {
    for (const m of query.matchAll(re)) {
      const [, cmp, num] = m;
      const value = valueOf(num!);
      if (!(value >= 0 && value <= 5) || !free(m.index, m.index + m[0].length)) continue;
      const below = !!cmp && /^(under|below|less|at most|no more)/i.test(cmp);
      out.push({
        start: m.index,
        end: m.index + m[0].length,
        kind: 'rating',
        field: 'rating',
        range: below ? { lte: value } : { gte: value },
        confidence: 0.95,
        match: 'phrase',
        strip: true,
      });
    }
  }
  for (const m of query.matchAll(VAGUE)) {
    if (!free(m.index, m.index + m[0].length)) continue;
    out.push({ start: m.index, end: m.index + m[0].length, kind: 'rating', field: 'rating', range: { gte: 4 }, confidence: 0.5, match: 'phrase', soft: true, strip: true });
  }
  return out;
}
