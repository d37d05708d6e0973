/**
 * Indexing as a story: rows come in (already validated or rejected with their line), valid documents are
 * cleaned and embedded in batches through the pool, then streamed into Elasticsearch with `helpers.bulk`.
 * Embedding overlaps with bulk requests: while Elasticsearch stores batch k, batches k+1.. are already being
 * embedded (their encoders spread over the pool's workers). Elasticsearch going away does not end the run: the
 * bulk sender waits and carries on (resilient-bulk.ts), and a checkpoint records the last line before which
 * everything is done, so a run that gives up can resume. Invalid rows, truncated fields and documents
 * Elasticsearch refused all end up in the report: nothing is lost without a word.
 */
import type { Client } from '@elastic/elasticsearch';
import { pMapIterable } from 'p-map';
import type { CatalogRow } from '../catalog/read.ts';
import type { EncoderPool } from '../pool/pool.ts';
import { prepareDocument } from './prepare.ts';
import { stemmedText } from '../retrieval/stem.ts';
import { mapEsError, clientUrl } from '../es/client.ts';
import { strataError, StrataError } from '../errors.ts';
import { embedBatch, type EsDoc } from './embed-batch.ts';
import { resilientBulk } from './resilient-bulk.ts';
import { createWatermark } from './progress-checkpoint.ts';

export { resolveImage } from './images.ts';

/** Where indexing time went, in milliseconds (stages overlap, so they add up to more than `wallMs`). */
export interface IndexTimings {
  /** Cleaning HTML/markdown, capping fields and stemming (main thread). */
  cleanMs: number;
  /** Waiting for the encoders, summed over batches (tokenising and the models run in the pool's workers). */
  encodeMs: number;
  /** Vectors into indexed fields (float arrays, int8 packing). */
  packMs: number;
  /** Time with at least one bulk request outstanding (serialising, sending, Elasticsearch storing). */
  bulkMs: number;
  wallMs: number;
}

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
  timings: IndexTimings;
  /** Bulk attempts started again after Elasticsearch did not answer. */
  retries: number;
  /** Rows at or before this line were skipped (done by an earlier run). */
  resumedAfterLine?: number;
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
  /** Batches being embedded at once ahead of the bulk requests (default 3: keeps two workers busy). */
  encodeAhead?: number;
  /** `wait_for` makes the documents searchable before the call returns. */
  refresh?: boolean | 'wait_for';
  maxFieldChars?: number;
  flushBytes?: number;
  concurrency?: number;
  /** How long to keep retrying while Elasticsearch does not answer (default 0: fail at once). */
  retryForMs?: number;
  /** Skip rows at or before this line (a checkpoint's watermark). */
  resumeAfterLine?: number;
  /** Called (at most every `checkpointEveryMs`) with the line before which every row is done. */
  onCheckpoint?: (p: { line: number; indexed: number }) => void | Promise<void>;
  checkpointEveryMs?: number;
  onRetry?: (attempt: number, waitMs: number, err: unknown) => void;
  onProgress?: (p: { read: number; indexed: number; invalid: number }) => void;
  signal?: AbortSignal;
  /**
   * Report a failure mid-way (Elasticsearch down, the encoder pool refusing) in `interrupted` with what was and
   * was not stored, instead of throwing; the HTTP route uses it to answer per document.
   */
  partial?: boolean;
}

type Batch = Array<EsDoc & { __line: number }>;

/**
 * Indexes catalog rows; returns what happened to every row.
 *
 * @example const report = await indexDocuments(readCatalogFile('demo.jsonl'), { client, pool, index: 'products', encoders: ['text/chargram'] });
 */
export async function indexDocuments(rows: AsyncIterable<CatalogRow> | Iterable<CatalogRow>, options: IndexOptions): Promise<IndexReport> {
  const { client, pool, index, encoders, batchSize = 64, encodeAhead = 3, refresh = false, maxFieldChars = 100_000, resumeAfterLine } = options;
  const started = performance.now();
  const timings: IndexTimings = { cleanMs: 0, encodeMs: 0, packMs: 0, bulkMs: 0, wallMs: 0 };
  const report: IndexReport = { indexed: 0, invalid: [], dropped: [], unacknowledged: [], truncated: [], encodeErrors: [], seconds: 0, timings, retries: 0 };
  if (options.partial) report.indexedLines = [];
  if (resumeAfterLine !== undefined) report.resumedAfterLine = resumeAfterLine;
  let read = 0;
  const progress = () => options.onProgress?.({ read, indexed: report.indexed, invalid: report.invalid.length });
  const watermark = createWatermark(resumeAfterLine ?? 0);
  let lastCheckpoint = 0;
  let checkpointing: Promise<void> = Promise.resolve();
  const checkpoint = (force = false) => {
    if (!options.onCheckpoint || (!force && performance.now() - lastCheckpoint < (options.checkpointEveryMs ?? 1000))) return;
    lastCheckpoint = performance.now();
    const p = { line: watermark.line(), indexed: report.indexed };
    checkpointing = checkpointing.then(() => options.onCheckpoint!(p)).catch(() => undefined);
  };
  const lineOf = new WeakMap<object, number>();
  // Documents handed to the bulk sender and not yet answered (it answers with the very objects it was given).
  const pending = new Set<EsDoc>();
  const done = (doc: EsDoc) => {
    pending.delete(doc);
    const line = lineOf.get(doc);
    if (line !== undefined) watermark.done(line);
    checkpoint();
  };

  // Stage 1 (main thread): validate, clean, stem, group into batches.
  async function* batches(): AsyncGenerator<Batch> {
    let batch: Batch = [];
    for await (const row of rows) {
      // Callers number rows from 0 (HTTP positions) or 1 (file lines): only a resumed run skips any.
      if (resumeAfterLine !== undefined && row.line <= resumeAfterLine) continue;
      read++;
      watermark.read(row.line);
      if (!row.ok) {
        report.invalid.push({ line: row.line, ...(row.id !== undefined ? { id: row.id } : {}), errors: row.errors });
        watermark.done(row.line);
        progress();
        continue;
      }
      const t0 = performance.now();
      const { doc, truncated } = prepareDocument(row.doc, { maxFieldChars });
      if (truncated.length) report.truncated.push({ line: row.line, id: doc.id, fields: truncated });
      batch.push({
        ...doc,
        __line: row.line,
        indexed_at: new Date().toISOString(),
        stemmed_title: stemmedText(doc.title),
        stemmed_body: stemmedText([doc.brand, doc.category?.replace(/\//g, ' '), doc.description, ...(doc.reviews ?? [])].filter(Boolean).join('\n')),
      });
      timings.cleanMs += performance.now() - t0;
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  // Stage 2 (pool workers): up to `encodeAhead` batches embedded at once, handed on in order.
  const embedded = pMapIterable(
    batches(),
    async (batch: Batch) => {
      const { encodeErrors, timings: t } = await embedBatch(batch, { pool, encoders, ...(options.passages === false ? { passages: false } : {}), ...(options.imageBase ? { imageBase: options.imageBase } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      report.encodeErrors.push(...encodeErrors);
      timings.encodeMs += t.encodeMs;
      timings.packMs += t.packMs;
      return batch;
    },
    { concurrency: encodeAhead, backpressure: encodeAhead },
  );
  // With `partial`, a failure to embed ends the stream cleanly: bulk requests already under way finish and are
  // counted, and the rest is reported as not sent.
  async function* documents(): AsyncGenerator<EsDoc> {
    try {
      for await (const batch of embedded) {
        for (const { __line, ...doc } of batch) {
          lineOf.set(doc, __line);
          pending.add(doc as EsDoc);
          yield doc as EsDoc;
        }
      }
    } catch (err) {
      if (!options.partial) throw err;
      report.interrupted = err instanceof StrataError ? err : strataError('internal', { reason: (err as Error).message });
    }
  }

  // Stage 3: bulk requests, waiting out Elasticsearch outages.
  try {
    const result = await resilientBulk(documents(), {
      client,
      index,
      refresh,
      retryForMs: options.retryForMs ?? 0,
      ...(options.flushBytes ? { flushBytes: options.flushBytes } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      onIndexed: (doc) => {
        report.indexed++;
        const line = lineOf.get(doc);
        if (line !== undefined) report.indexedLines?.push(line);
        done(doc);
        if (report.indexed % 100 === 0) progress();
      },
      onDropped: (doc, status, error) => {
        const line = lineOf.get(doc);
        report.dropped.push({ ...(line !== undefined ? { line } : {}), id: doc.id, status, error });
        done(doc);
      },
    });
    report.retries = result.retries;
    timings.bulkMs = result.bulkMs;
  } catch (err) {
    const mapped = mapEsError(err, clientUrl(client));
    if (!options.partial) {
      checkpoint(true);
      await checkpointing;
      throw mapped;
    }
    report.interrupted ??= mapped;
  }
  // Whatever was handed over and never answered went down with a failed bulk request.
  for (const doc of pending) {
    const line = lineOf.get(doc);
    if (line !== undefined) report.unacknowledged.push({ line, id: doc.id });
  }
  checkpoint(true);
  await checkpointing;
  if (report.interrupted && !options.partial) throw report.interrupted;
  progress();
  timings.wallMs = performance.now() - started;
  report.seconds = timings.wallMs / 1000;
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
