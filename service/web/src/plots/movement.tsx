/**
 * The same query ranked by several systems side by side (BM25 alone, hybrid, reranked), with a line for each
 * product from its place in one column to its place in the next: up in green, down in red, level in grey; a
 * product that leaves the top k runs to the "below" row under its column, one that enters comes from there.
 */
import { fmt } from './scale.ts';

export interface RankColumn {
  title: string;
  ids: string[];
  /** Each product's rank in the previous column's system when it was below that column's top k (e.g. #23). */
  previous?: ReadonlyMap<string, number | null>;
}

const ROW = 22;
const TOP = 34;
const COL_W = 230;
const GAP = 90;

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function MovementPlot({ columns, labels }: { columns: RankColumn[]; labels: ReadonlyMap<string, string> }) {
  const k = Math.max(1, ...columns.map((c) => c.ids.length));
  const below = TOP + k * ROW + 8;
  const height = below + ROW;
  const width = columns.length * COL_W + (columns.length - 1) * GAP;
  const x = (i: number) => i * (COL_W + GAP);
  const y = (rank: number) => TOP + rank * ROW;
  const lines = [];
  for (let c = 0; c + 1 < columns.length; c++) {
    const from = columns[c]!;
    const to = columns[c + 1]!;
    const x1 = x(c) + COL_W - 4;
    const x2 = x(c + 1) + 4;
    const ids = new Set([...from.ids, ...to.ids]);
    for (const id of ids) {
      const a = from.ids.indexOf(id);
      const b = to.ids.indexOf(id);
      const y1 = a < 0 ? below : y(a) - 4;
      const y2 = b < 0 ? below : y(b) - 4;
      const kind = a < 0 ? 'enters' : b < 0 ? 'leaves' : b < a ? 'up' : b > a ? 'down' : 'same';
      lines.push(
        <line class={`move ${kind}`} data-id={id} data-from={String(a + 1)} data-to={String(b + 1)} x1={x1} y1={y1} x2={x2} y2={y2}>
          <title>{`${labels.get(id) ?? id}: ${a < 0 ? 'below' : `#${a + 1}`} → ${b < 0 ? 'below' : `#${b + 1}`}`}</title>
        </line>,
      );
    }
  }
  return (
    <svg class="movement" width={width} height={height} role="img" aria-label={`ranks by ${columns.map((c) => c.title).join(', ')}; lines join each product's places`}>
      {columns.map((col, c) => (
        <g data-column={col.title}>
          <text class="col-title" x={x(c)} y={16}>
            {col.title}
          </text>
          {col.ids.map((id, r) => {
            const before = c > 0 && !columns[c - 1]!.ids.includes(id) ? col.previous?.get(id) : undefined;
            const was = before === undefined ? '' : before === null ? ' (new)' : ` (was #${before})`;
            return (
              <text class="rank-label" data-id={id} data-rank={String(r + 1)} x={x(c) + (c === 0 ? 0 : 8)} y={y(r)}>
                {`${fmt(r + 1)}. ${cut(labels.get(id) ?? id, was ? 30 - was.length : 30)}${was}`}
                <title>{labels.get(id) ?? id}</title>
              </text>
            );
          })}
          <text class="below" x={x(c) + (c === 0 ? 0 : 8)} y={below + 4}>
            below the top {k}
          </text>
        </g>
      ))}
      {lines}
    </svg>
  );
}
