/** A list of hits as contribution bars on one scale, each expandable to its signals, features and first-stage ranks. */
import type { Hit } from '../types.ts';
import { Axis, ContributionBar, Legend } from '../plots/contribution-bar.tsx';
import { fmt, niceTicks, sharedScale } from '../plots/scale.ts';

const BAR_WIDTH = 420;

function HitDetails({ hit, signals, weights }: { hit: Hit; signals: readonly string[]; weights: Record<string, number> }) {
  const ranks = Object.entries(hit.ranks ?? {});
  const features = Object.entries(hit.features ?? {});
  return (
    <details class="hit-details">
      <summary>Signals, features and first-stage ranks</summary>
      <table class="signals">
        <caption>signal × weight = contribution</caption>
        <thead>
          <tr>
            <th scope="col">signal</th>
            <th scope="col">value</th>
            <th scope="col">weight</th>
            <th scope="col">contribution</th>
          </tr>
        </thead>
        <tbody>
          {signals.map((s) => (
            <tr data-signal={s}>
              <th scope="row">{s}</th>
              <td>{fmt(hit.signals?.[s] ?? null, 4)}</td>
              <td>{fmt(weights[s], 3)}</td>
              <td>{fmt(hit.contributions?.[s] ?? null, 4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="ranks">
        <caption>first-stage ranks (scores)</caption>
        <tbody>
          {ranks.map(([k, v]) => (
            <tr data-rank-of={k}>
              <th scope="row">{k}</th>
              <td>{v === null ? 'not retrieved' : `#${v}`}</td>
              <td>{fmt(hit.scores?.[k] ?? null, 4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {features.length ? (
        <table class="features">
          <caption>features the head saw</caption>
          <tbody>
            {features.map(([k, v]) => (
              <tr>
                <th scope="row">{k}</th>
                <td>{fmt(v, 4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </details>
  );
}

export interface HitBarsProps {
  hits: Hit[];
  signals: readonly string[];
  weights: Record<string, number>;
  /** Rank changes to show beside each hit (e.g. against the default weights). */
  moves?: ReadonlyMap<string, number | null>;
  testId?: string;
  extra?: Record<string, string>;
}

export function HitBars({ hits, signals, weights, moves, testId, extra = {} }: HitBarsProps) {
  const scale = sharedScale(
    hits.map((h) => h.contributions ?? {}),
    BAR_WIDTH,
  );
  return (
    <div class="hit-bars">
      <Legend signals={signals} />
      <div class="axis-row">
        <span />
        <Axis scale={scale} ticks={niceTicks(scale.domain[0], scale.domain[1], 5)} />
      </div>
      <ol class="bars" data-testid={testId} {...extra}>
        {hits.map((hit, i) => {
          const move = moves?.get(hit.id);
          const title = typeof hit.document?.title === 'string' ? hit.document.title : hit.id;
          return (
            <li class="bar-hit" data-id={hit.id} data-score={String(hit.score)}>
              <div class="bar-line">
                <span class="bar-title">
                  <span class="rank">{i + 1}.</span>
                  {moves ? (
                    <span class={`move-badge ${move === undefined || move === null ? 'new' : move > 0 ? 'up' : move < 0 ? 'down' : 'same'}`} title="change against the default weights">
                      {move === undefined || move === null ? 'new' : move > 0 ? `▲${move}` : move < 0 ? `▼${-move}` : '='}
                    </span>
                  ) : null}{' '}
                  {title}
                </span>
                {hit.contributions ? <ContributionBar contributions={hit.contributions} score={hit.score} scale={scale} signals={signals} /> : <span class="note">no explanation</span>}
                <span class="bar-score">{fmt(hit.score, 4)}</span>
              </div>
              <HitDetails hit={hit} signals={signals} weights={weights} />
            </li>
          );
        })}
      </ol>
    </div>
  );
}
