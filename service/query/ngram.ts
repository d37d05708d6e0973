/**
 * Character trigram similarity for typo-tolerant lookup of brand and category names ("samsnug" -> Samsung,
 * "dishwaser" -> dishwasher). Dice over padded trigrams finds candidates; an edit-distance check (with
 * transpositions) confirms them, because trigram overlap alone accepts unrelated words of shared affixes.
 */

/** Padded trigrams of a key: "tv" -> ["  t", " tv", "tv "]. */
export function trigrams(key: string): string[] {
  const s = `  ${key} `;
  const out: string[] = [];
  for (let i = 0; i + 3 <= s.length; i++) out.push(s.slice(i, i + 3));
  return out;
}

/**
 * Dice coefficient of two keys' trigram multisets, in [0, 1].
 *
 * @example diceSimilarity('samsung', 'samsnug') // 0.5
 */
export function diceSimilarity(a: string, b: string): number {
  const ta = trigrams(a);
  const counts = new Map<string, number>();
  for (const g of ta) counts.set(g, (counts.get(g) ?? 0) + 1);
  let shared = 0;
  const tb = trigrams(b);
  for (const g of tb) {
    const c = counts.get(g) ?? 0;
    if (c > 0) {
      shared++;
      counts.set(g, c - 1);
    }
  }
  return (2 * shared) / (ta.length + tb.length);
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), stopping early past `max`.
 *
 * @example editDistance('bosh', 'bosch') // 1
 */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = [new Array<number>(b.length + 1).fill(0), new Array<number>(b.length + 1).fill(0), new Array<number>(b.length + 1).fill(0)];
  for (let j = 0; j <= b.length; j++) rows[1]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    const [prev2, prev, cur] = [rows[0]!, rows[1]!, rows[2]!];
    cur[0] = i;
    let best = cur[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    rows[0] = prev;
    rows[1] = cur;
    rows[2] = prev2;
  }
  return rows[1]![b.length]!;
}

export interface FuzzyIndex {
  /** The closest known key to `word` with its edit distance, or null when none is close enough. */
  nearest(word: string): { key: string; distance: number; similarity: number } | null;
  /** Every known key close enough to `word`. */
  nearestAll(word: string): Array<{ key: string; distance: number; similarity: number }>;
}

/**
 * An inverted trigram index over `keys`. Words shorter than 4 letters are never corrected (too many near
 * neighbours); up to 5 letters one edit is allowed, longer words two.
 *
 * @example buildFuzzyIndex(['samsung', 'bosch']).nearest('samsnug') // { key: 'samsung', distance: 1, ... }
 */
export function buildFuzzyIndex(keys: Iterable<string>): FuzzyIndex {
  const postings = new Map<string, string[]>();
  const all = [...new Set(keys)].filter((k) => k.length >= 4);
  for (const k of all) for (const g of new Set(trigrams(k))) (postings.get(g) ?? postings.set(g, []).get(g)!).push(k);
  const nearestAll = (word: string) => {
    if (word.length < 4 || /\d/.test(word)) return [];
    const maxEdits = word.length <= 5 ? 1 : 2;
    const hits = new Map<string, number>();
    for (const g of new Set(trigrams(word))) for (const k of postings.get(g) ?? []) hits.set(k, (hits.get(k) ?? 0) + 1);
    const out: Array<{ key: string; distance: number; similarity: number }> = [];
    for (const [k, shared] of hits) {
      if (shared < 2) continue;
      const similarity = diceSimilarity(word, k);
      if (similarity < 0.4) continue;
      const distance = editDistance(word, k, maxEdits);
      if (distance > maxEdits || distance === 0) continue;
      out.push({ key: k, distance, similarity });
    }
    return out.sort((a, b) => a.distance - b.distance || b.similarity - a.similarity);
  };
  return { nearestAll, nearest: (word) => nearestAll(word)[0] ?? null };
}
