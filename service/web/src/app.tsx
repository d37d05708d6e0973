/**
 * The page: the API key, the views (Search, Why this order, Weights live, Models and evaluation) and the state
 * they share: the search form, the submitted search and the reranker weights.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { readBoot } from './boot.ts';
import { loadKey, saveKey } from './key.ts';
import { useApi } from './hooks.ts';
import { useRoute, type View } from './route.ts';
import { EMPTY_FILTERS, type SearchForm } from './request.ts';
import type { IndexSummary, Models } from './types.ts';
import { KeyField } from './components/key-field.tsx';
import { ErrorBox } from './components/error-box.tsx';
import { QueryBar } from './components/query-bar.tsx';
import { SearchView } from './views/search.tsx';
import { WhyView } from './views/why.tsx';
import { WeightsView } from './views/weights.tsx';
import { ModelsView } from './views/models.tsx';
import type { Shared } from './views/shared.ts';

const TABS: Array<[View, string]> = [
  ['search', 'Search'],
  ['why', 'Why this order'],
  ['weights', 'Weights live'],
  ['models', 'Models and evaluation'],
];

export function App() {
  const boot = useMemo(() => readBoot(), []);
  const route = useRoute();
  const [apiKey, setApiKey] = useState(loadKey);
  const [draft, setDraft] = useState<SearchForm>({ index: boot.index, head: 'default', query: '', topK: 10, image: null, filters: EMPTY_FILTERS });
  const [active, setActive] = useState<SearchForm | null>(null);
  const [weights, setWeights] = useState<Record<string, number>>(boot.weights);
  const indices = useApi<{ indices: IndexSummary[] }>('/v1/indices', undefined, apiKey);
  const models = useApi<Models>('/v1/models', undefined, apiKey);
  const heads = models.data?.heads.filter((h) => h.task === 'rerank').map((h) => h.name) ?? ['default'];
  const tuned = boot.signals.some((s) => weights[s] !== boot.weights[s]);
  // The configured default index may not be this key's (a tenant's are `<tenant>--*`) or may not exist yet: then
  // start on the first index the key may use.
  const listed = indices.data?.indices.map((i) => i.name);
  useEffect(() => {
    if (listed?.length && !listed.includes(draft.index) && !active) setDraft((d) => ({ ...d, index: listed[0]! }));
  }, [listed?.join('\u0000')]);

  const shared: Shared = {
    boot,
    apiKey,
    draft,
    active,
    weights,
    tuned,
    heads,
    setWeights,
    update(form, run) {
      setDraft(form);
      if (run || active) setActive(form);
    },
  };

  return (
    <>
      <header class="top">
        <h1>Strata</h1>
        <nav aria-label="views">
          {TABS.map(([view, label]) => (
            <a href={`#/${view}`} aria-current={route.view === view ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <KeyField
          value={apiKey}
          required={boot.auth}
          onChange={(k) => {
            saveKey(k);
            setApiKey(k);
          }}
        />
      </header>
      <ErrorBox error={indices.error} context="listing indices" />
      {route.view !== 'models' ? (
        <QueryBar
          form={draft}
          indices={indices.data?.indices ?? []}
          heads={heads}
          // Typing a query waits for Enter; the pickers apply at once to a search that is showing.
          onChange={(f) => (f.query !== draft.query ? setDraft(f) : shared.update(f, false))}
          onSubmit={(f) => {
            setDraft(f);
            setActive(f);
          }}
        />
      ) : null}
      <main id="main">
        {route.view === 'search' ? <SearchView {...shared} /> : null}
        {route.view === 'why' ? <WhyView {...shared} /> : null}
        {route.view === 'weights' ? <WeightsView {...shared} /> : null}
        {route.view === 'models' ? <ModelsView {...shared} models={models} report={route.arg} /> : null}
      </main>
    </>
  );
}
