/** BEIR corpus documents as catalog rows (shared by the SciFact scripts and benchmarks). */
import type { CatalogRow } from '../../service/catalog/read.ts';
import type { BeirDoc } from '../data/beir.ts';

/**
 * The abstract becomes the description; an untitled document gets its first words as the title.
 *
 * @example beirRows([{ id: '1', title: '', text: 'Aspirin ...' }])[0].doc.title // 'Aspirin ...'
 */
export function beirRows(corpus: readonly BeirDoc[]): Array<CatalogRow & { ok: true }> {
  return corpus.map((d, i) => ({ line: i + 1, ok: true as const, doc: { id: d.id, title: d.title.trim() || d.text.slice(0, 80), description: d.text } }));
}
