/** A snippet with its highlighted terms (offsets inside the snippet text) in <mark>. */
import type { Snippet } from '../types.ts';
import { highlightParts } from '../highlight.ts';

export function SnippetText({ snippet }: { snippet: Snippet }) {
  return (
    <p class="snippet">
      {highlightParts(snippet.text, snippet.highlights).map(([t, marked]) => (marked ? <mark>{t}</mark> : t))}
    </p>
  );
}
