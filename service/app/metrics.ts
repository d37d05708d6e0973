/**
 * Prometheus metrics with `prom-client`, one registry per app (no global state): request counts and latency
 * histograms by route and status, the encoder pool's queue depth, and Elasticsearch errors.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EncoderPool } from '../pool/pool.ts';
import type { DocumentEmbedder } from '../usecases/document-embeddings.ts';

export interface Metrics {
  registry: Registry;
  middleware: MiddlewareHandler;
  esError(kind: string): void;
}

/**
 * Creates the metrics of one app.
 *
 * @example const metrics = createMetrics(pool); app.use(metrics.middleware);
 */
export function createMetrics(pool: EncoderPool, documents?: DocumentEmbedder): Metrics {
  const registry = new Registry();
  const requests = new Counter({ name: 'strata_http_requests_total', help: 'HTTP requests', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'strata_http_request_duration_seconds',
    help: 'HTTP request latency',
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
  new Gauge({
    name: 'strata_pool_completed_tasks',
    help: 'Tasks the encoder pool has completed',
    registers: [registry],
    collect() {
      this.set(pool.stats().completed);
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
      const route = routePath(c) || 'unmatched';
      end({ route, method: c.req.method });
      requests.inc({ route, method: c.req.method, status: String(c.res.status) });
    },
  };
}
