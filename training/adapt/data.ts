/**
 * Training data for `strata adapt`: the index's stored document vectors (read back once, as kNN sees them), query
 * vectors from the frozen encoder, and contrastive examples from judgments (each positive with the query's
 * teacher-labelled hard negatives), optionally plus the corpus' own titles as queries for their documents.
 */
import type { Client } from '@elastic/elasticsearch';
import { encoderSpec, vectorField } from '../../service/encoders/registry.ts';
import { decodePassageVectors, packedField } from '../../service/indexing/vector-codec.ts';
import type { QueryEmbedder } from '../../service/usecases/embed.ts';
import type { Qrels } from '../data/beir.ts';
import type { AdapterExample } from './train-adapter.ts';

export interface CorpusVectors {
  ids: string[];
  vectors: Float32Array[];
  titles: string[];
  byId: Map<string, Float32Array>;
}

/**
 * Every document's stored vector for `encoder` (and its title), scrolling the index.
 *
 * @example const corpus = await readCorpusVectors(es, 'scifact-text_minilm-text_chargram', 'text/minilm');
 */
export async function readCorpusVectors(client: Client, index: string, encoder: string): Promise<CorpusVectors> {
  const field = packedField(vectorField(encoder));
  const dim = encoderSpec(encoder).dim;
  const out: CorpusVectors = { ids: [], vectors: [], titles: [], byId: new Map() };
  let page = await client.search<Record<string, unknown>>({ index, size: 2000, scroll: '2m', _source: [field, 'title'], query: { match_all: {} }, sort: ['_doc'] });
  while (page.hits.hits.length) {
    for (const h of page.hits.hits) {
      const packed = h._source?.[field];
      if (typeof packed !== 'string') continue;
      const v = decodePassageVectors(packed, dim)[0]!;
      out.ids.push(String(h._id));
      out.vectors.push(v);
      out.titles.push(String(h._source?.title ?? ''));
      out.byId.set(String(h._id), v);
    }
    page = await client.scroll({ scroll_id: page._scroll_id!, scroll: '2m' });
  }
  if (page._scroll_id) await client.clearScroll({ scroll_id: page._scroll_id }).catch(() => undefined);
  return out;
}

/**
 * Query vectors for many texts through the (cached) query embedder, a few at a time.
 *
 * @example const vs = await embedQueries(rt.queryEmbedder, texts, 'text/minilm');
 */
export async function embedQueries(embedder: QueryEmbedder, texts: readonly string[], encoder: string, onProgress?: (d: number, t: number) => void): Promise<Float32Array[]> {
  const out = new Array<Float32Array>(texts.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < texts.length) {
      const i = next++;
      out[i] = (await embedder.embed(texts[i]!, [encoder]))[encoder]!;
      onProgress?.(++done, texts.length);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return out;
}

/**
 * Contrastive examples of judged queries: one per (query, positive), with up to `negatives` of the query's
 * grade-0 documents. Documents the index does not hold are skipped.
 *
 * @example const examples = judgedExamples(ids, queryVectors, qrels, corpus);
 */
export function judgedExamples(ids: readonly string[], queryVectors: ReadonlyMap<string, Float32Array>, qrels: Qrels, corpus: CorpusVectors, { negatives = 10 } = {}): AdapterExample[] {
  const out: AdapterExample[] = [];
  for (const id of ids) {
    const q = queryVectors.get(id);
    const judged = qrels.get(id);
    if (!q || !judged) continue;
    const negs = [...judged].filter(([, g]) => g === 0).map(([d]) => corpus.byId.get(d)).filter((v): v is Float32Array => !!v).slice(0, negatives);
    for (const [docId, grade] of judged) {
      const positive = grade > 0 ? corpus.byId.get(docId) : undefined;
      if (positive) out.push({ query: q, positive, positiveId: docId, negatives: negs });
    }
  }
  return out;
}

/**
 * Exact kNN over the corpus with (adapted) query vectors: the top `k` ids per query.
 *
 * @example const run = exactKnn(devIds, (id) => adapted.get(id)!, corpus, 10);
 */
export function exactKnn(ids: readonly string[], vectorOf: (id: string) => Float32Array | undefined, corpus: CorpusVectors, k = 10): Map<string, string[]> {
  const run = new Map<string, string[]>();
  for (const id of ids) {
    const q = vectorOf(id);
    if (!q) continue;
    const top: Array<{ i: number; s: number }> = [];
    corpus.vectors.forEach((v, i) => {
      let s = 0;
      for (let j = 0; j < q.length; j++) s += q[j]! * v[j]!;
      if (top.length < k || s > top[top.length - 1]!.s) {
        top.push({ i, s });
        top.sort((a, b) => b.s - a.s);
        if (top.length > k) top.pop();
      }
    });
    run.set(id, top.map((t) => corpus.ids[t.i]!));
  }
  return run;
}
