/**
 * Prometheus metrics with `prom-client`, one registry per app (no global state): request counts and latency
 * histograms by route and status, the encoder pool's queue depth and completed tasks, Elasticsearch errors, and
 * prom-client's default process and Node.js metrics. A client that went away before its answer is its own outcome,
 * status 499, and never an Elasticsearch error. Names follow Prometheus conventions: counters end in `_total`,
 * durations are `_seconds`.
 */
import type { MiddlewareHandler } from 'hono';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EncoderPool } from '../pool/pool.ts';
import type { DocumentEmbedder } from '../usecases/document-embeddings.ts';
import { outcomeStatus, routeOf } from './request-log.ts';

export interface Metrics {
  registry: Registry;
  middleware: MiddlewareHandler;
  /** Counts an Elasticsearch failure (`es_unavailable`, `es_timeout`, `es_error`). */
  esError(kind: string): void;
}

/**
 * Creates the metrics of one app.
 *
 * @example const metrics = createMetrics(pool); app.use(metrics.middleware);
 */
export function createMetrics(pool: EncoderPool, { defaultMetrics = true, documents }: { defaultMetrics?: boolean; documents?: DocumentEmbedder } = {}): Metrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'strata_http_requests_total',
    help: 'HTTP requests by route, method and status (499: the client disconnected before the answer)',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'strata_http_request_duration_seconds',
    help: 'HTTP request latency in seconds',
    labelNames: ['route', 'method'],
    buckets: [0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const esErrors = new Counter({ name: 'strata_es_errors_total', help: 'Elasticsearch errors by kind', labelNames: ['kind'], registers: [registry] });
  new Gauge({
    name: 'strata_pool_queue_depth',
    help: 'Tasks waiting in the encoder pool queue',
    registers: [registry],
    collect() {
      this.set(pool.stats().queueSize);
    },
  });
  // The pool keeps its own running count; the counter follows it by the difference at each scrape.
  let seen = 0;
  new Counter({
    name: 'strata_pool_tasks_completed_total',
    help: 'Tasks the encoder pool has completed',
    registers: [registry],
    collect() {
      const completed = pool.stats().completed;
      if (completed > seen) this.inc(completed - seen);
      seen = Math.max(seen, completed);
    },
  });
  if (documents) {
    const stat = (name: string, help: string, read: (s: ReturnType<DocumentEmbedder['stats']>) => number) =>
      new Gauge({ name, help, registers: [registry], collect() { this.set(read(documents.stats())); } });
    stat('strata_document_cache_hits', 'Inline document texts answered from the embedding cache', (s) => s.hits);
    stat('strata_document_cache_misses', 'Inline document texts sent to the encoders', (s) => s.misses);
    stat('strata_document_cache_bytes', 'Bytes held by the document embedding cache', (s) => s.bytes);
    stat('strata_document_cache_entries', 'Vectors held by the document embedding cache', (s) => s.entries);
  }
  return {
    registry,
    esError: (kind) => esErrors.inc({ kind }),
    middleware: async (c, next) => {
      const end = latency.startTimer();
      await next();
      const route = routeOf(c);
      end({ route, method: c.req.method });
      requests.inc({ route, method: c.req.method, status: String(outcomeStatus(c)) });
    },
  };
}
