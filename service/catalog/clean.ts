/**
 * Cleaning of messy text: HTML (tags, entities, scripts) through `html-to-text`, then markdown markup
 * (emphasis, headings, links, code fences) with a few targeted rules, then whitespace folding.
 * Long text is capped at `maxChars` and the caller is told (never silently cut).
 */
import { convert } from 'html-to-text';

const HTML_HINT = /<\/?[a-z][\s\S]*?>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);/i;

const htmlOptions = {
  wordwrap: false as const,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
};

/** Strips markdown markup but keeps the words (link text, emphasised text, code). */
function stripMarkdown(text: string): string {
  return text
    .replace(/```[a-z]*\n?/gi, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/^\s*[-*+]\s+/gm, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,!?:;]|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1');
}

export interface CleanResult {
  text: string;
  truncated: boolean;
}

/**
 * Cleans one text field.
 *
 * @example cleanText('<p>Energy class <b>A++</b> &amp; quiet</p>').text // 'Energy class A++ & quiet'
 */
export function cleanText(raw: string, { maxChars = 100_000 }: { maxChars?: number } = {}): CleanResult {
  // Cap before parsing so a 50 MB description costs no more than `maxChars` of work.
  const capped = raw.length > maxChars * 2 ? raw.slice(0, maxChars * 2) : raw;
  let text = HTML_HINT.test(capped) ? convert(capped, htmlOptions) : capped;
  text = stripMarkdown(text)
    // Control characters and replacement characters from bad encodings carry no meaning for search.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/g, ' ')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
  const truncated = text.length > maxChars || capped.length < raw.length;
  return { text: text.length > maxChars ? text.slice(0, maxChars) : text, truncated };
}

/**
 * A category path in the catalog's form, levels joined by `/` without spaces around them: breadcrumbs written as
 * `Furniture / Office Furniture / Desks` or `Home > Kitchen > Dishwashers` (also `>>`, `›`, `»`) become
 * `Furniture/Office Furniture/Desks`, so prefix filters, facets and the query vocabulary see the same levels.
 *
 * @example normalizeCategory(' Home > Kitchen >  Dishwashers ') // 'Home/Kitchen/Dishwashers'
 */
export function normalizeCategory(raw: string): string {
  const levels = raw.split(/\s*(?:\/|\s>>?\s|›|»)\s*/).map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean);
  return levels.length ? levels.join('/') : raw.trim();
}
