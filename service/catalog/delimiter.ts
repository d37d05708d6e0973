/**
 * The field separator of a delimited text file, read from its header line: shops and public data sets export
 * "CSV" with commas, tabs (WANDS' `.csv` files), semicolons (spreadsheets in locales with a decimal comma) or
 * pipes. Reading a tab-separated file with commas gives one column named after the whole header, which no
 * error message can make sense of.
 */

const CANDIDATES = [',', '\t', ';', '|'] as const;

/**
 * The candidate separator found most often outside double quotes in `header`; `,` when none is (one column) or on
 * a tie with it.
 *
 * @example sniffDelimiter('product_id\tproduct_name\tproduct_class') // '\t'
 * @example sniffDelimiter('id;title;"price; EUR"') // ';'
 */
export function sniffDelimiter(header: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best: string = ',';
  for (const c of CANDIDATES) if (counts.get(c)! > counts.get(best)!) best = c;
  return best;
}
