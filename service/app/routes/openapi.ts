/**
 * `GET /openapi.json`: the OpenAPI 3.1 document, with request bodies generated from the same zod schemas the
 * routes validate with (so the document cannot drift from the code).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { SearchRequestSchema } from './search.ts';
import { RerankRequestSchema } from './rerank.ts';
import { ClassifyRequestSchema, ClassifyResponseSchema } from './classify.ts';
import { DocumentsRequestSchema, DeleteRequestSchema } from './documents.ts';
import { SearchDslResponseSchema } from './search-dsl.ts';
import { IndexListSchema } from '../../usecases/list-indices.ts';
import { FacetsSchema } from '../../usecases/facets.ts';
import { ReportListSchema, ReportSchema } from '../../usecases/reports.ts';

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });

const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } } });
const ok = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) } } });
const nameParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const errors = {
  '400': { description: 'Invalid request (details name the fields)', content: { 'application/json': { schema: z.toJSONSchema(ErrorSchema) } } },
  '413': { description: 'Body or document count over the limit' },
  '502': { description: 'Elasticsearch failed' },
  '503': { description: 'Encoder pool queue full (Retry-After)' },
};

/**
 * The OpenAPI document.
 *
 * @example const doc = openApiDocument(); doc.paths['/v1/search'].post
 */
export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: { title: 'Strata', version: '0.1.0', description: 'Hybrid retrieval, stacked heads and metadata-aware reranking on Elasticsearch' },
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/v1/search': { post: { summary: 'Hybrid retrieval, rerank and snippets', requestBody: body(SearchRequestSchema), responses: { '200': { description: 'hits' }, ...errors } } },
      '/v1/rerank': { post: { summary: 'Rerank documents (Cohere-compatible; ES inference shape)', requestBody: body(RerankRequestSchema), responses: { '200': { description: 'results' }, '404': { description: 'referenced ids not found' }, ...errors } } },
      '/v1/classify/{head}': {
        post: {
          summary: 'Classify texts with a classify head',
          parameters: [{ name: 'head', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: body(ClassifyRequestSchema),
          responses: { '200': { description: 'labels (label null when the head abstains)', content: { 'application/json': { schema: z.toJSONSchema(ClassifyResponseSchema) } } }, ...errors },
        },
      },
      '/v1/indices/{name}/documents': {
        post: {
          summary: 'Add or replace documents (upsert by id)',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: body(DocumentsRequestSchema),
          responses: { '200': { description: 'all indexed' }, '207': { description: 'some documents failed (listed)' }, ...errors },
        },
      },
      '/v1/indices/{name}/documents/_delete': {
        post: { summary: 'Delete documents by id', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], requestBody: body(DeleteRequestSchema), responses: { '200': { description: 'deleted' }, ...errors } },
      },
      '/v1/indices/{name}/documents/{id}': {
        delete: { summary: 'Delete one document', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'deleted' }, '404': { description: 'not found' } } },
      },
      '/v1/search/dsl': { post: { summary: 'The Elasticsearch request (BM25 + filters + rescore.strata) for a search body', requestBody: body(SearchRequestSchema), responses: { '200': ok('method, path, body, notes', SearchDslResponseSchema), ...errors } } },
      '/v1/indices': { get: { summary: 'Product indices (aliases first) the key may use', responses: { '200': ok('indices', IndexListSchema) } } },
      '/v1/indices/{name}/facets': { get: { summary: 'Values to filter by: brands, categories, ranges, attributes', parameters: [nameParam('name')], responses: { '200': ok('facets', FacetsSchema), '404': { description: 'no such index' } } } },
      '/v1/indices/{name}/documents/{id}/photo': {
        get: { summary: "A thumbnail (JPEG) of a document's local photo (administrators)", parameters: [nameParam('name'), nameParam('id')], responses: { '200': { description: 'image/jpeg' }, '403': { description: 'not an administrator key' }, '404': { description: 'no local photo' } } },
      },
      '/v1/reports': { get: { summary: 'Evaluation and data-quality reports in the report directory (administrators)', responses: { '200': ok('reports', ReportListSchema), '403': { description: 'not an administrator key' } } } },
      '/v1/reports/{name}': { get: { summary: 'One report with its kind and command', parameters: [nameParam('name')], responses: { '200': ok('report', ReportSchema), '404': { description: 'no such report' } } } },
      '/': { get: { summary: 'The web page (search, why this order, weights live, models and evaluation)', responses: { '200': { description: 'text/html' } } } },
      '/v1/models': { get: { summary: 'Encoders and heads with versions and metrics', responses: { '200': { description: 'models' } } } },
      '/v1/models/reload': { post: { summary: 'Reload head artifacts atomically', responses: { '200': { description: 'reloaded' }, '422': { description: 'some artifacts refused; previous versions keep serving' } } } },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'ok' } } } },
      '/readyz': { get: { summary: 'Readiness (Elasticsearch reachable, models loaded)', responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
    },
  };
}

export function openApiRoutes(): Hono {
  const app = new Hono();
  const doc = openApiDocument();
  app.get('/', (c) => c.json(doc));
  return app;
}
