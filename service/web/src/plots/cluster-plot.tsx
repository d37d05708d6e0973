/**
 * Duplicate clusters drawn as small graphs: one row per cluster, its documents as dots, an arc for each duplicate
 * pair labelled with its cosine ("=" for exact copies).
 */
import type { Cluster } from './clusters.ts';
import { fmt } from './scale.ts';

const STEP = 130;
const ROW = 74;

export function ClusterPlot({ clusters }: { clusters: Cluster[] }) {
  if (!clusters.length) return <p class="note">No duplicate clusters.</p>;
  const widest = Math.max(...clusters.map((c) => c.ids.length));
  const width = Math.max(360, 80 + widest * STEP);
  return (
    <svg class="clusters" width={width} height={clusters.length * ROW + 10} role="img" aria-label={`${clusters.length} duplicate clusters`}>
      {clusters.map((c, i) => {
        const base = i * ROW + 52;
        const xOf = (id: string) => 60 + c.ids.indexOf(id) * STEP;
        return (
          <g class={c.exact ? 'cluster exact' : 'cluster near'} data-size={String(c.ids.length)}>
            {c.edges.map((e) => {
              const x1 = xOf(e.a);
              const x2 = xOf(e.b);
              const lift = 14 + Math.abs(x2 - x1) / 8;
              return (
                <g>
                  <path d={`M ${x1} ${base} Q ${(x1 + x2) / 2} ${base - lift * 2} ${x2} ${base}`} class="edge" />
                  <text class="edge-label" x={(x1 + x2) / 2} y={base - lift - 2} text-anchor="middle">
                    {e.cosine === null ? '=' : fmt(e.cosine, 3)}
                  </text>
                </g>
              );
            })}
            {c.ids.map((id) => (
              <g>
                <circle cx={xOf(id)} cy={base} r={6} />
                <text x={xOf(id)} y={base + 18} text-anchor="middle" class="node-label">
                  {id.length > 18 ? `${id.slice(0, 17)}…` : id}
                </text>
              </g>
            ))}
          </g>
        );
      })}
    </svg>
  );
}
