/** Duplicate clusters from a data-quality report: exact groups, and near-duplicate pairs joined into components. */

export interface Cluster {
  ids: string[];
  edges: Array<{ a: string; b: string; cosine: number | null }>;
  exact: boolean;
}

/**
 * Clusters: every exact group as one, then the connected components of the near pairs (largest first).
 *
 * @example duplicateClusters([['a', 'b']], [{ a: 'c', b: 'd', cosine: 0.97 }]).length // 2
 */
export function duplicateClusters(exact: ReadonlyArray<readonly string[]>, near: ReadonlyArray<{ a: string; b: string; cosine: number }>): Cluster[] {
  const out: Cluster[] = exact.map((g) => ({ ids: [...g], exact: true, edges: g.slice(1).map((b) => ({ a: g[0]!, b, cosine: null })) }));
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const { a, b } of near) {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    parent.set(find(a), find(b));
  }
  const groups = new Map<string, Cluster>();
  for (const p of near) {
    const root = find(p.a);
    const g = groups.get(root) ?? { ids: [], edges: [], exact: false };
    for (const id of [p.a, p.b]) if (!g.ids.includes(id)) g.ids.push(id);
    g.edges.push({ a: p.a, b: p.b, cosine: p.cosine });
    groups.set(root, g);
  }
  return [...out, ...[...groups.values()].sort((x, y) => y.ids.length - x.ids.length)];
}
