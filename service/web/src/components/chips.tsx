/** What the service understood in the query (when it says), as chips; removing one re-runs with its words as plain text. */
import { understoodSpans } from '../understood.ts';

export function UnderstoodChips({ understood, query, onRemove }: { understood: unknown; query: string; onRemove: (span: { start: number; end: number }) => void }) {
  const spans = understoodSpans(understood, query);
  if (!spans.length) return null;
  return (
    <ul class="chips" aria-label="understood in the query">
      {spans.map((s) => (
        <li class="chip" data-span={s.text}>
          <span>
            “{s.text}” → {s.label}
          </span>
          <button type="button" aria-label={`remove the ${s.label} chip; “${s.text}” stays in the query as words`} onClick={() => onRemove(s)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
