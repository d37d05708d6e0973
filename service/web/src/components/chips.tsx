/** What the service understood in the query (when it says), as chips; removing one re-runs without it. */
import { removeSpan, understoodSpans } from '../understood.ts';

export function UnderstoodChips({ understood, query, onQuery }: { understood: unknown; query: string; onQuery: (q: string) => void }) {
  const spans = understoodSpans(understood, query);
  if (!spans.length) return null;
  return (
    <ul class="chips" aria-label="understood in the query">
      {spans.map((s) => (
        <li class="chip" data-span={s.text}>
          <span>
            “{s.text}” → {s.label}
          </span>
          <button type="button" aria-label={`remove “${s.text}” from the query`} onClick={() => onQuery(removeSpan(query, s))}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
