/**
 * Why this order: every hit's score as a stacked bar of its contributions (one scale across hits), expandable to
 * the signals, features and first-stage ranks; then the same query as BM25 alone, hybrid and reranked side by
 * side, with lines showing how each product moved.
 */
import { useApi } from '../hooks.ts';
import { searchBody } from '../request.ts';
import type { SearchResponse } from '../types.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { MovementPlot, type RankColumn } from '../plots/movement.tsx';
import { HitBars } from './hit-bars.tsx';
import { ResultSummary, useMainSearch } from './search.tsx';
import type { Shared } from './shared.ts';

export function WhyView(props: Shared) {
  const { active, apiKey, boot, weights, tuned } = props;
  const main = useMainSearch(props);
  const hasText = !!active?.query.trim();
  // The first stage as deep as the reranker's window, so its fused ranks are the ones the reranked hits carry.
  const bm25Body = active && hasText ? searchBody(active, { rerank: false, mode: 'bm25', withoutImage: true, window: boot.window }) : null;
  const hybridBody = active ? searchBody(active, { rerank: false, window: boot.window }) : null;
  const bm25 = useApi<SearchResponse>(bm25Body ? '/v1/search' : null, bm25Body ?? undefined, apiKey, { cache: true });
  const hybrid = useApi<SearchResponse>(hybridBody ? '/v1/search' : null, hybridBody ?? undefined, apiKey, { cache: true });
  const labels = new Map<string, string>();
  for (const r of [bm25.data, hybrid.data, main.data]) for (const h of r?.hits ?? []) labels.set(h.id, typeof h.document?.title === 'string' ? h.document.title : h.id);
  const columns: RankColumn[] = [
    ...(hasText ? [{ title: 'BM25 alone', ids: bm25.data?.hits.map((h) => h.id) ?? [] }] : []),
    {
      title: active?.image ? 'hybrid (+ image kNN)' : 'hybrid (BM25 + kNN, RRF)',
      ids: hybrid.data?.hits.map((h) => h.id) ?? [],
      previous: new Map((hybrid.data?.hits ?? []).map((h) => [h.id, h.ranks?.bm25 ?? null])),
    },
    {
      title: tuned ? 'reranked (tuned weights)' : 'reranked',
      ids: main.data?.hits.map((h) => h.id) ?? [],
      previous: new Map((main.data?.hits ?? []).map((h) => [h.id, h.ranks?.fused ?? null])),
    },
  ];
  if (!active) return <p class="hint">Run a search first (type a query above and press Enter).</p>;
  return (
    <div class="why-view">
      <section aria-labelledby="why-bars">
        <h2 id="why-bars">Score = sum of contributions</h2>
        <ErrorBox error={main.error} />
        <ResultSummary data={main.data} busy={main.busy} tuned={tuned} />
        {main.data ? <HitBars hits={main.data.hits} signals={boot.signals} weights={tuned ? weights : boot.weights} testId="why-bars" /> : null}
      </section>
      <section aria-labelledby="why-compare">
        <h2 id="why-compare">BM25 alone, hybrid, reranked</h2>
        {!hasText ? <p class="note">BM25 needs a text query: only hybrid and reranked are compared.</p> : null}
        <ErrorBox error={bm25.error} context="BM25 alone" />
        <ErrorBox error={hybrid.error} context="hybrid" />
        {main.data && hybrid.data && (!hasText || bm25.data) ? (
          <div class="movement-wrap" data-testid="movement">
            <MovementPlot columns={columns} labels={labels} />
            <details>
              <summary>The same as a table</summary>
              <table>
                <thead>
                  <tr>
                    <th scope="col">rank</th>
                    {columns.map((c) => (
                      <th scope="col">{c.title}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {Array.from({ length: Math.max(...columns.map((c) => c.ids.length)) }, (_, r) => (
                    <tr>
                      <th scope="row">{r + 1}</th>
                      {columns.map((c) => (
                        <td>{c.ids[r] ? (labels.get(c.ids[r]!) ?? c.ids[r]) : ''}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </div>
        ) : (
          <p class="note" aria-live="polite">
            Loading the three rankings…
          </p>
        )}
      </section>
    </div>
  );
}
