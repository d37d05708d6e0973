/**
 * Indexing as a story: rows come in (already validated or rejected with their line), valid documents are
 * cleaned and embedded in batches through the pool, then streamed into Elasticsearch with `helpers.bulk`.
 * Invalid rows, truncated fields and documents Elasticsearch refused all end up in the report: nothing is lost
 * without a word.
 */
import type { Client } from '@elastic/elasticsearch';
import type { CatalogRow } from '../catalog/read.ts';
import type { EncoderPool } from '../pool/pool.ts';
import path from 'node:path';
import { encoderSpec, vectorField } from '../encoders/registry.ts';
import { documentPassages } from '../usecases/passages.ts';
import { encodePassageVectors, packedField, passagesField } from './vector-codec.ts';
import { rowOf } from '../encoders/types.ts';
import { embeddingText, prepareDocument } from './prepare.ts';
import { stemmedText } from '../retrieval/stem.ts';
import { mapEsError, clientUrl } from '../es/client.ts';
import { strataError, StrataError } from '../errors.ts';

export interface IndexReport {
  indexed: number;
  invalid: Array<{ line: number; id?: string; errors: string[] }>;
  /** Documents Elasticsearch refused (each with its own reason). */
  dropped: Array<{ line?: number; id: string; status: number; error: string }>;
  /** Documents sent in a bulk request that failed as a whole: they may or may not be stored (re-sending is safe). */
  unacknowledged: Array<{ line: number; id: string }>;
  /** Why indexing stopped before the end (with `partial`); rows after it were not sent. */
  interrupted?: StrataError;
  /** Lines of the documents Elasticsearch acknowledged (with `partial`). */
  indexedLines?: number[];
  truncated: Array<{ line: number; id: string; fields: string[] }>;
  encodeErrors: Array<{ id: string; encoder: string; message: string }>;
  seconds: number;
}

export interface IndexOptions {
  client: Client;
  pool: EncoderPool;
  /** Alias or index to write to. */
  index: string;
  /** Encoders whose vectors are stored: text encoders embed the text, image encoders the `image` field. */
  encoders: readonly string[];
  /** Relative image paths are resolved against this folder (the catalog file's). */
  imageBase?: string;
  /** Embed long bodies passage by passage too (default on). */
  passages?: boolean;
  batchSize?: number;
  /** `wait_for` makes the documents searchable before the call returns. */
  refresh?: boolean | 'wait_for';
  maxFieldChars?: number;
  flushBytes?: number;
  concurrency?: number;
  onProgress?: (p: { read: number; indexed: number; invalid: number }) => void;
  signal?: AbortSignal;
  /**
   * Report a failure mid-way (Elasticsearch down, the encoder pool refusing) in `interrupted` with what was and
   * was not stored, instead of throwing; the HTTP route uses it to answer per document.
   */
  partial?: boolean;
}

type EsDoc = Record<string, unknown> & { id: string };

/** An image reference as the image encoder takes it: URLs as they are, relative paths against the catalog folder. */
export function resolveImage(image: string, base?: string): string {
  if (/^(https?|file):/i.test(image) || path.isAbsolute(image) || !base) return image;
  return path.resolve(base, image);
}

/**
 * Indexes catalog rows; returns what happened to every row.
 *
 * @example const report = await indexDocuments(readCatalogFile('demo.jsonl'), { client, pool, index: 'products', encoders: ['text/chargram'] });
 */
export async function indexDocuments(rows: AsyncIterable<CatalogRow> | Iterable<CatalogRow>, options: IndexOptions): Promise<IndexReport> {
  const { client, pool, index, encoders, batchSize = 64, refresh = false, maxFieldChars = 100_000 } = options;
  const started = performance.now();
  const report: IndexReport = { indexed: 0, invalid: [], dropped: [], unacknowledged: [], truncated: [], encodeErrors: [], seconds: 0 };
  if (options.partial) report.indexedLines = [];
  // Lines of the documents handed to the bulk helper and not yet answered, by id (ES answers by id).
  const sent = new Map<string, number[]>();
  const lineOf = new WeakMap<object, number>();
  const answered = (id: string): number | undefined => {
    const lines = sent.get(id);
    const line = lines?.shift();
    if (lines && lines.length === 0) sent.delete(id);
    return line;
  };
  let read = 0;
  const progress = () => options.onProgress?.({ read, indexed: report.indexed, invalid: report.invalid.length });

  async function* embedded(): AsyncGenerator<EsDoc> {
    let batch: EsDoc[] = [];
    const flush = async function* (): AsyncGenerator<EsDoc> {
      const texts = batch.map((d) => embeddingText(d as never));
      // Long bodies are also embedded passage by passage (max/mean-over-passages features at rerank time).
      const passages = options.passages === false ? batch.map(() => []) : batch.map((d) => documentPassages(d as never));
      const passageTexts = passages.flatMap((ps) => (ps.length > 1 ? ps.map((p) => p.text) : []));
      for (const encoder of encoders) {
        const image = encoderSpec(encoder).modality === 'image';
        const inputs = image ? batch.filter((d) => typeof d.image === 'string') : batch;
        if (inputs.length === 0) continue;
        const values = image ? inputs.map((d) => resolveImage(String(d.image), options.imageBase)) : [...texts, ...passageTexts];
        const result = await pool.encode(encoder, values, options.signal ? { signal: options.signal } : {});
        const failed = new Set(result.errors.map((e) => e.index));
        for (const e of result.errors) {
          if (e.index < inputs.length) report.encodeErrors.push({ id: inputs[e.index]!.id, encoder, message: e.message });
        }
        inputs.forEach((doc, i) => {
          const v = rowOf(result, i);
          // A zero vector (empty text) has no direction: cosine similarity refuses it, so leave the field out.
          if (!failed.has(i) && v.some((x) => x !== 0)) {
            doc[vectorField(encoder)] = Array.from(v);
            doc[packedField(vectorField(encoder))] = encodePassageVectors([v], result.dim);
          }
        });
        if (image) continue;
        let k = inputs.length;
        passages.forEach((ps, i) => {
          if (ps.length <= 1) return;
          const vs = ps.map(() => rowOf(result, k++));
          batch[i]![passagesField(vectorField(encoder))] = encodePassageVectors(vs, result.dim);
        });
      }
      for (const doc of batch) {
        sent.set(doc.id, [...(sent.get(doc.id) ?? []), lineOf.get(doc) ?? -1]);
        yield doc;
      }
      batch = [];
    };
    // With `partial`, a failure to embed stops the stream cleanly: bulk requests already under way finish and
    // are counted, and the rest is reported as not sent.
    const send = async function* (): AsyncGenerator<EsDoc> {
      try {
        yield* flush();
      } catch (err) {
        if (!options.partial) throw err;
        report.interrupted = err instanceof StrataError ? err : strataError('internal', { reason: (err as Error).message });
      }
    };
    for await (const row of rows) {
      read++;
      if (!row.ok) {
        report.invalid.push({ line: row.line, ...(row.id !== undefined ? { id: row.id } : {}), errors: row.errors });
        progress();
        continue;
      }
      const { doc, truncated } = prepareDocument(row.doc, { maxFieldChars });
      if (truncated.length) report.truncated.push({ line: row.line, id: doc.id, fields: truncated });
      const esDoc: EsDoc = {
        ...doc,
        indexed_at: new Date().toISOString(),
        stemmed_title: stemmedText(doc.title),
        stemmed_body: stemmedText([doc.brand, doc.category?.replace(/\//g, ' '), doc.description, ...(doc.reviews ?? [])].filter(Boolean).join('\n')),
      };
      lineOf.set(esDoc, row.line);
      batch.push(esDoc);
      if (batch.length >= batchSize) {
        yield* send();
        if (report.interrupted) return;
      }
    }
    if (batch.length) yield* send();
  }

  try {
    const result = await client.helpers.bulk<EsDoc>({
      datasource: embedded(),
      onDocument: (doc) => ({ index: { _index: index, _id: doc.id } }),
      onDrop: (drop) => {
        const error = drop.error as { type?: string; reason?: string } | null;
        const line = answered(drop.document.id);
        report.dropped.push({
          ...(line !== undefined && line >= 0 ? { line } : {}),
          id: drop.document.id,
          status: drop.status,
          error: error ? `${error.type ?? 'error'}: ${error.reason ?? ''}` : 'unknown error',
        });
      },
      onSuccess: ({ document }) => {
        const line = answered((document as EsDoc | undefined)?.id ?? '');
        if (line !== undefined && line >= 0) report.indexedLines?.push(line);
        report.indexed++;
        if (report.indexed % 100 === 0) progress();
      },
      flushBytes: options.flushBytes ?? 5_000_000,
      concurrency: options.concurrency ?? 2,
      retries: 2,
      // `wait_for` goes on every bulk request (each returns once its documents are searchable).
      ...(refresh === 'wait_for' ? { refresh: 'wait_for' as const } : {}),
      refreshOnCompletion: refresh === true ? index : false,
    });
    if (result.aborted) throw new Error('bulk indexing was aborted');
  } catch (err) {
    const mapped = mapEsError(err, clientUrl(client));
    if (!options.partial) throw mapped;
    report.interrupted ??= mapped;
  }
  // Whatever was handed over and never answered went down with a failed bulk request.
  for (const [id, lines] of sent) for (const line of lines) if (line >= 0) report.unacknowledged.push({ line, id });
  if (report.interrupted && !options.partial) throw report.interrupted;
  progress();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/**
 * Deletes documents by id; returns the ids that were not found.
 *
 * @example await deleteDocuments(es, 'products', ['sku-1'], { refresh: 'wait_for' });
 */
export async function deleteDocuments(
  client: Client,
  index: string,
  ids: readonly string[],
  { refresh = false }: { refresh?: boolean | 'wait_for' } = {},
): Promise<{ deleted: string[]; notFound: string[] }> {
  if (ids.length === 0) return { deleted: [], notFound: [] };
  try {
    const res = await client.bulk({ refresh, operations: ids.map((id) => ({ delete: { _index: index, _id: id } })) });
    const deleted: string[] = [];
    const notFound: string[] = [];
    res.items.forEach((item, i) => (item.delete?.result === 'deleted' ? deleted : notFound).push(ids[i]!));
    return { deleted, notFound };
  } catch (err) {
    throw mapEsError(err, clientUrl(client));
  }
}
