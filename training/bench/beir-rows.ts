/** BEIR corpus documents as catalog rows (shared by `strata index <beir dir>`, the SciFact scripts and benchmarks). */
import type { CatalogRow } from '../../service/catalog/read.ts';
import { readBeirCorpus, type BeirDoc } from '../data/beir.ts';

/**
 * The abstract becomes the description; an untitled document gets its first words as the title.
 *
 * @example beirRows([{ id: '1', title: '', text: 'Aspirin ...' }])[0].doc.title // 'Aspirin ...'
 */
export function beirRows(corpus: readonly BeirDoc[]): Array<CatalogRow & { ok: true }> {
  return corpus.map((d, i) => beirRow(d, i + 1));
}

const beirRow = (d: BeirDoc, line: number) => ({ line, ok: true as const, doc: { id: d.id, title: d.title.trim() || d.text.slice(0, 80), description: d.text } });

/**
 * The corpus of a BEIR folder as catalog rows, streamed (what `strata index <beir dir>` indexes).
 *
 * @example for await (const row of beirCatalogRows('../shared/data/scifact')) console.log(row.doc.id)
 */
export async function* beirCatalogRows(dir: string): AsyncGenerator<CatalogRow & { ok: true }> {
  let line = 0;
  for await (const d of readBeirCorpus(dir)) yield beirRow(d, ++line);
}
