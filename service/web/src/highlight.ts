/** Highlighted terms of a snippet as text parts (pure, unit-tested). */

/**
 * Splits text at highlight offsets; overlapping or out-of-range highlights are clipped.
 *
 * @example highlightParts('a quiet fridge', [{ start: 2, end: 7 }]) // [['a ', false], ['quiet', true], [' fridge', false]]
 */
export function highlightParts(text: string, highlights: ReadonlyArray<{ start: number; end: number }> = []): Array<[string, boolean]> {
  const parts: Array<[string, boolean]> = [];
  let at = 0;
  for (const h of [...highlights].sort((a, b) => a.start - b.start)) {
    const start = Math.max(at, Math.min(text.length, h.start));
    const end = Math.max(start, Math.min(text.length, h.end));
    if (start > at) parts.push([text.slice(at, start), false]);
    if (end > start) parts.push([text.slice(start, end), true]);
    at = end;
  }
  if (at < text.length) parts.push([text.slice(at), false]);
  return parts;
}
