/** Search: filters from the index's values, search by picture, results as product cards. */
import { useApi } from '../hooks.ts';
import { searchBody } from '../request.ts';
import type { Facets, SearchResponse } from '../types.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { Filters } from '../components/filters.tsx';
import { ImageDrop } from '../components/image-drop.tsx';
import { Card } from '../components/card.tsx';
import { UnderstoodChips } from '../components/chips.tsx';
import { ignoreSpan } from '../understood.ts';
import type { Shared } from './shared.ts';

/** The main search of the page (also used by Why this order): the submitted form with the current weights. */
export function useMainSearch({ active, weights, tuned, apiKey }: Shared) {
  const body = active ? searchBody(active, tuned ? { weights } : {}) : null;
  return useApi<SearchResponse>(body ? '/v1/search' : null, body ?? undefined, apiKey, { cache: true });
}

export function ResultSummary({ data, busy, tuned }: { data: SearchResponse | null; busy: boolean; tuned: boolean }) {
  return (
    <p class="summary" aria-live="polite" data-busy={String(busy)}>
      {busy ? 'Searching…' : data ? `${data.hits.length} results${data.took?.totalMs !== undefined ? ` in ${Math.round(data.took.totalMs)} ms` : ''}${data.head ? `, head ${data.head.name} (${data.head.type} ${data.head.version})` : ''}${tuned ? ', tuned weights' : ''}` : ''}
    </p>
  );
}

export function SearchView(props: Shared) {
  const { draft, active, apiKey, update, tuned } = props;
  const facets = useApi<Facets>(draft.index ? `/v1/indices/${encodeURIComponent(draft.index)}/facets` : null, undefined, apiKey);
  const result = useMainSearch(props);
  return (
    <div class="search-view">
      <aside class="sidebar">
        <ImageDrop image={draft.image} onChange={(image) => update({ ...draft, image }, image !== null || active !== null)} />
        <ErrorBox error={facets.error} context="filters" />
        {facets.data ? <Filters facets={facets.data} value={draft.filters} onChange={(filters) => update({ ...draft, filters }, false)} /> : null}
      </aside>
      <section class="results" aria-label="results">
        <ErrorBox error={result.error} />
        <ResultSummary data={result.data} busy={result.busy} tuned={tuned} />
        {result.data && active ? <UnderstoodChips understood={result.data.understood} query={active.query} onRemove={(span) => update({ ...active, ignore: ignoreSpan(active.ignore, active.query, span) }, true)} /> : null}
        {!active ? <p class="hint">Type a query and press Enter, pick filters, or drop a photo.</p> : null}
        <div class="cards">
          {(result.data?.hits ?? []).map((hit, i) => (
            <Card hit={hit} rank={i + 1} index={active?.index ?? draft.index} apiKey={apiKey} />
          ))}
        </div>
      </section>
    </div>
  );
}
