/**
 * `strata data-quality` as a use case: loads a catalog or a BEIR corpus (and judgments), runs the checks and
 * returns a report with counts and examples.
 */
import { readCatalogFile } from '../../service/catalog/read.ts';
import type { EncoderPool } from '../../service/pool/pool.ts';
import { embedAll } from '../classify/embed.ts';
import { readBeirCorpus, type Qrels } from '../data/beir.ts';
import type { ColumnOptions } from '../../service/catalog/columns.ts';
import { exactDuplicates, iqrOutliers, judgmentStats, nearDuplicates, textProblems, type QualityDoc } from './checks.ts';

/**
 * Documents of a catalog file (invalid rows are reported, not dropped silently) or a BEIR folder.
 *
 * @example const { docs, invalid } = await loadQualityDocs({ catalog: 'demo.jsonl' });
 */
export async function loadQualityDocs(source: { catalog?: string; data?: string; columns?: ColumnOptions }): Promise<{ docs: QualityDoc[]; invalid: Array<{ line: number; errors: string[] }> }> {
  const docs: QualityDoc[] = [];
  const invalid: Array<{ line: number; errors: string[] }> = [];
  if (source.data) {
    for await (const d of readBeirCorpus(source.data)) docs.push({ id: d.id, fields: { title: d.title, text: d.text } });
    return { docs, invalid };
  }
  for await (const row of readCatalogFile(source.catalog!, source.columns ? { columns: source.columns } : {})) {
    if (!row.ok) {
      invalid.push({ line: row.line, errors: row.errors });
      continue;
    }
    const d = row.doc;
    docs.push({ id: d.id, fields: { title: d.title, description: d.description, brand: d.brand, category: d.category }, numbers: { price: d.price, rating: d.rating, review_count: d.review_count } });
  }
  return { docs, invalid };
}

export interface QualityOptions {
  pool?: EncoderPool;
  threshold?: number;
  minChars?: Record<string, number>;
  qrels?: Qrels;
  cacheDir?: string;
  onProgress?: (what: string, done: number, total: number) => void;
}

/**
 * Runs every check.
 *
 * @example const report = await dataQuality(docs, { pool, qrels });
 */
export async function dataQuality(docs: readonly QualityDoc[], { pool, threshold = 0.95, minChars = { title: 3, text: 20, description: 20, brand: 2, category: 2 }, qrels, cacheDir, onProgress }: QualityOptions = {}) {
  const exact = exactDuplicates(docs);
  let near: Array<{ a: string; b: string; cosine: number }> | null = null;
  if (pool) {
    const texts = docs.map((d) => Object.values(d.fields).filter(Boolean).join('\n'));
    const { vectors, dim } = await embedAll(pool, 'text/chargram', texts, { ...(cacheDir ? { cacheDir } : {}), ...(onProgress ? { onProgress: (e, d, t) => onProgress(`embedding ${e}`, d, t) } : {}) });
    const exactPairs = new Set(exact.flatMap((g) => g.flatMap((a, i) => g.slice(i + 1).map((b) => `${a}\u0000${b}`))));
    near = nearDuplicates(vectors, docs.length, dim, { threshold })
      .map((p) => ({ a: docs[p.i]!.id, b: docs[p.j]!.id, cosine: p.cosine }))
      .filter((p) => !exactPairs.has(`${p.a}\u0000${p.b}`));
  }
  const fieldNames = [...new Set(docs.flatMap((d) => Object.keys(d.fields)))];
  const fields: Record<string, Record<string, { count: number; examples: string[] }>> = {};
  for (const f of fieldNames) {
    const byProblem: Record<string, { count: number; examples: string[] }> = {};
    for (const d of docs) {
      const optional = f !== 'title' && f !== 'text';
      const v = d.fields[f];
      if (optional && (v === undefined || v === '')) continue; // an absent optional field is not a problem
      for (const p of textProblems(v, { minChars: minChars[f] ?? 3 })) {
        const b = (byProblem[p] ??= { count: 0, examples: [] });
        b.count++;
        if (b.examples.length < 5) b.examples.push(d.id);
      }
    }
    fields[f] = byProblem;
  }
  const numberNames = [...new Set(docs.flatMap((d) => Object.keys(d.numbers ?? {})))];
  const numeric = Object.fromEntries(
    numberNames.map((name) => {
      const r = iqrOutliers(docs.map((d) => d.numbers?.[name]));
      return [name, { ...r, outliers: r.outliers.length, examples: r.outliers.slice(0, 10).map((o) => ({ id: docs[o.index]!.id, value: o.value })) }];
    }),
  );
  return {
    documents: docs.length,
    exactDuplicates: { groups: exact.length, documents: exact.reduce((s, g) => s + g.length, 0), examples: exact.slice(0, 10) },
    nearDuplicates: near ? { threshold, pairs: near.length, examples: near.slice(0, 10) } : null,
    fields,
    numeric,
    judgments: qrels ? judgmentStats(qrels, new Set(docs.map((d) => d.id))) : null,
  };
}
