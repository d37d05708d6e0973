/**
 * `GET /openapi.json`: the OpenAPI 3.1 document. Every request and response schema is generated from the zod
 * schemas the routes validate with and build their answers through (`respond()`), and lives once under
 * `components.schemas`; operations carry ids, tags, the API-key security, path and query parameters, runnable
 * request examples, and every error status they can answer with, all in the one error shape.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { SearchRequestSchema, SearchResponseSchema } from './search.ts';
import { InferenceRerankResponseSchema, RerankRequestSchema, RerankResponseSchema, RerankV1ResponseSchema, RerankV2RequestSchema } from './rerank-schema.ts';
import { ClassifyRequestSchema, ClassifyResponseSchema } from './classify.ts';
import {
  DeleteOneResponseSchema,
  DeleteQuerySchema,
  DeleteRequestSchema,
  DeleteResponseSchema,
  DocumentsRequestSchema,
  DocumentsResponseSchema,
  IndexNameSchema,
  UpsertItemSchema,
} from './documents.ts';
import { ModelsResponseSchema, ReloadResponseSchema } from './models.ts';
import { HealthResponseSchema, ReadyResponseSchema } from './health.ts';
import { SearchDslResponseSchema } from './search-dsl.ts';
import { IndexListSchema } from '../../usecases/list-indices.ts';
import { FacetsSchema } from '../../usecases/facets.ts';
import { ReportListSchema, ReportNameSchema, ReportSchema } from '../../usecases/reports.ts';
import { ErrorResponseSchema, StoredDocumentSchema } from '../response-schemas.ts';
import { CatalogDocumentSchema } from '../../catalog/schema.ts';
import { PARAMETER_EXAMPLES, REQUEST_EXAMPLES } from '../openapi-examples.ts';

type Registry = ReturnType<typeof z.registry<{ id: string }>>;
type JsonSchema = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Component schemas of one registry; requests are described as sent (`input`), responses as received (`output`). */
function componentSchemas(registry: Registry, io: 'input' | 'output'): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => {
      // Upsert items are read loosely and validated one by one, but what a client should send is a catalog document.
      if (ctx.zodSchema === UpsertItemSchema) Object.assign(ctx.jsonSchema, ref('CatalogDocument'));
    },
  });
  // The document's dialect is 2020-12 already, and a fragment-only `$id` is not a valid identifier.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as JsonSchema]));
}

function components() {
  const requests: Registry = z.registry<{ id: string }>();
  requests.add(SearchRequestSchema, { id: 'SearchRequest' });
  requests.add(RerankRequestSchema, { id: 'RerankRequest' });
  requests.add(RerankV2RequestSchema, { id: 'RerankV2Request' });
  requests.add(ClassifyRequestSchema, { id: 'ClassifyRequest' });
  requests.add(DocumentsRequestSchema, { id: 'UpsertDocumentsRequest' });
  requests.add(DeleteRequestSchema, { id: 'DeleteDocumentsRequest' });
  requests.add(CatalogDocumentSchema, { id: 'CatalogDocument' });
  const responses: Registry = z.registry<{ id: string }>();
  responses.add(ErrorResponseSchema, { id: 'Error' });
  responses.add(SearchResponseSchema, { id: 'SearchResponse' });
  responses.add(RerankResponseSchema, { id: 'RerankResponse' });
  responses.add(InferenceRerankResponseSchema, { id: 'InferenceRerankResponse' });
  responses.add(RerankV1ResponseSchema, { id: 'RerankV1Response' });
  responses.add(ClassifyResponseSchema, { id: 'ClassifyResponse' });
  responses.add(DocumentsResponseSchema, { id: 'UpsertDocumentsResponse' });
  responses.add(DeleteOneResponseSchema, { id: 'DeleteDocumentResponse' });
  responses.add(DeleteResponseSchema, { id: 'DeleteDocumentsResponse' });
  responses.add(ModelsResponseSchema, { id: 'ModelsResponse' });
  responses.add(ReloadResponseSchema, { id: 'ReloadResponse' });
  responses.add(HealthResponseSchema, { id: 'HealthResponse' });
  responses.add(ReadyResponseSchema, { id: 'ReadyResponse' });
  responses.add(StoredDocumentSchema, { id: 'StoredDocument' });
  responses.add(SearchDslResponseSchema, { id: 'SearchDslResponse' });
  responses.add(IndexListSchema, { id: 'IndexList' });
  responses.add(FacetsSchema, { id: 'Facets' });
  responses.add(ReportListSchema, { id: 'ReportList' });
  responses.add(ReportSchema, { id: 'Report' });
  return { ...componentSchemas(requests, 'input'), ...componentSchemas(responses, 'output') };
}

const ERROR_STATUSES = {
  400: 'Invalid request: `details.issues` names every failing field',
  401: 'Missing or invalid API key (only when STRATA_API_KEYS is set)',
  403: "The key's tenant may not use this index, or the key is not an administrator's",
  404: 'Not found (named in the message)',
  409: 'The index exists with vector dimensions that differ from the encoders (both named)',
  413: 'Body over STRATA_MAX_BODY_BYTES, or more than STRATA_MAX_DOCUMENTS documents',
  502: 'Elasticsearch unreachable or failing (`es_unavailable`, `es_error`)',
  503: 'The encoder pool queue is full: retry after `Retry-After` seconds',
  504: 'Elasticsearch did not answer in time (`es_timeout`)',
} as const;
type ErrorStatus = keyof typeof ERROR_STATUSES;

const REQUEST_ID = { 'x-request-id': { description: 'The request id (the one sent, or a new one)', schema: { type: 'string' } } };
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const ok = (description: string, schemaId: string) => ({ description, headers: REQUEST_ID, content: json(ref(schemaId)) });
const errors = (statuses: ErrorStatus[]) => ({
  ...Object.fromEntries(
    statuses.map((s) => [
      String(s),
      { description: ERROR_STATUSES[s], ...(s === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' } } } } : {}), content: json(ref('Error')) },
    ]),
  ),
  default: { description: 'Unexpected error (`internal`)', content: json(ref('Error')) },
});
const body = (schemaId: string, examples: Record<string, { summary: string; value: unknown }>) => ({ required: true, content: { 'application/json': { schema: ref(schemaId), examples } } });
const SECURED = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

const paramSchema = (schema: z.ZodType) => {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  return rest;
};
const pathParam = (name: string, schema: z.ZodType, description: string, example: string = PARAMETER_EXAMPLES[name as keyof typeof PARAMETER_EXAMPLES]) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: paramSchema(schema),
  example,
});
const INDEX_PARAM = pathParam('name', IndexNameSchema, 'Index (or alias) name');

/**
 * The OpenAPI document.
 *
 * @example const doc = openApiDocument(); doc.paths['/v1/search'].post.operationId // 'search'
 */
export function openApiDocument() {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Strata',
      version: '0.1.0',
      description:
        'Hybrid retrieval, stacked heads and metadata-aware reranking on Elasticsearch. Errors are `{ "error": { "code", "message", "details" } }`; every response carries `x-request-id`.',
    },
    servers: [{ url: 'http://127.0.0.1:8787', description: 'npm start' }],
    tags: [
      { name: 'search', description: 'Hybrid retrieval and reranking' },
      { name: 'rerank', description: 'Cohere-compatible reranking (v1, v2) and the Elasticsearch inference shape' },
      { name: 'classify' },
      { name: 'documents', description: 'Index documents' },
      { name: 'models', description: 'Encoders and heads' },
      { name: 'catalog', description: 'Read-only views for the web page: indices, facets, photos, reports, the DSL of a search' },
      { name: 'operations', description: 'Health, readiness, metrics, this document' },
      { name: 'web', description: 'The web page and its assets' },
    ],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'A key from STRATA_API_KEYS (authentication is off when none are set)' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same key in the x-api-key header' },
      },
      schemas: components(),
    },
    paths: {
      '/v1/search': {
        post: {
          operationId: 'search',
          tags: ['search'],
          summary: 'Hybrid retrieval, rerank and snippets',
          security: SECURED,
          requestBody: body('SearchRequest', REQUEST_EXAMPLES.search),
          responses: { '200': ok('Hits, best first', 'SearchResponse'), ...errors([400, 401, 403, 404, 413, 502, 503, 504]) },
        },
      },
      '/v1/rerank': {
        post: {
          operationId: 'rerankV1',
          tags: ['rerank'],
          summary: 'Rerank documents: Cohere v1 shape, documents by id, or the Elasticsearch inference shape',
          description: 'With `input` the answer is `{ "rerank": [...] }` (InferenceRerankResponse); otherwise a RerankResponse with `meta.api_version.version` "1".',
          security: SECURED,
          requestBody: body('RerankRequest', REQUEST_EXAMPLES.rerank),
          responses: { '200': ok('Results, best first', 'RerankV1Response'), ...errors([400, 401, 403, 404, 413, 502, 503, 504]) },
        },
      },
      '/v2/rerank': {
        post: {
          operationId: 'rerankV2',
          tags: ['rerank'],
          summary: 'Rerank documents: Cohere v2 shape (and documents by id)',
          security: SECURED,
          requestBody: body('RerankV2Request', REQUEST_EXAMPLES.rerankV2),
          responses: { '200': ok('Results, best first; `meta.api_version.version` is "2"', 'RerankResponse'), ...errors([400, 401, 403, 404, 413, 502, 503, 504]) },
        },
      },
      '/v1/classify/{head}': {
        post: {
          operationId: 'classify',
          tags: ['classify'],
          summary: 'Classify texts with a classify head',
          description: 'Needs a classify head of that name (`strata train classify --name intents`). A head with an abstain rule answers `label: null, out_of_scope: true` for a text whose in-scope score is under its threshold; `threshold` overrides it for the request.',
          security: SECURED,
          parameters: [pathParam('head', z.string().min(1), 'A classify head')],
          requestBody: body('ClassifyRequest', REQUEST_EXAMPLES.classify),
          responses: { '200': ok('One result per text', 'ClassifyResponse'), ...errors([400, 401, 404, 413, 503]) },
        },
      },
      '/v1/indices/{name}/documents': {
        post: {
          operationId: 'upsertDocuments',
          tags: ['documents'],
          summary: 'Add or replace documents (upsert by id); the index is created when missing',
          security: SECURED,
          parameters: [INDEX_PARAM],
          requestBody: body('UpsertDocumentsRequest', REQUEST_EXAMPLES.upsertDocuments),
          responses: {
            '200': ok('All indexed', 'UpsertDocumentsResponse'),
            '207': ok('Some documents failed (listed by position or id); the others are indexed', 'UpsertDocumentsResponse'),
            ...errors([400, 401, 403, 409, 413, 502, 503, 504]),
            '400': {
              description: 'Invalid request (Error), or every document failed (the report, listing each)',
              content: json({ anyOf: [ref('Error'), ref('UpsertDocumentsResponse')] }),
            },
          },
        },
      },
      '/v1/indices/{name}/documents/_delete': {
        post: {
          operationId: 'deleteDocuments',
          tags: ['documents'],
          summary: 'Delete documents by id',
          security: SECURED,
          parameters: [INDEX_PARAM],
          requestBody: body('DeleteDocumentsRequest', REQUEST_EXAMPLES.deleteDocuments),
          responses: { '200': ok('Deleted and not found ids', 'DeleteDocumentsResponse'), ...errors([400, 401, 403, 413, 502, 504]) },
        },
      },
      '/v1/indices/{name}/documents/{id}': {
        delete: {
          operationId: 'deleteDocument',
          tags: ['documents'],
          summary: 'Delete one document',
          security: SECURED,
          parameters: [
            INDEX_PARAM,
            pathParam('id', z.string().min(1), 'Document id'),
            { name: 'refresh', in: 'query', required: false, schema: paramSchema(DeleteQuerySchema.shape.refresh.unwrap()), description: DeleteQuerySchema.shape.refresh.description, example: PARAMETER_EXAMPLES.refresh },
          ],
          responses: { '200': ok('Deleted', 'DeleteDocumentResponse'), ...errors([400, 401, 403, 404, 502, 504]) },
        },
      },
      '/v1/search/dsl': {
        post: {
          operationId: 'searchDsl',
          tags: ['catalog'],
          summary: 'The Elasticsearch request (BM25 + filters + rescore.strata) for a /v1/search body',
          security: SECURED,
          requestBody: body('SearchRequest', REQUEST_EXAMPLES.search),
          responses: { '200': ok('Method, path, body, and what the DSL cannot carry', 'SearchDslResponse'), ...errors([400, 401, 403, 413]) },
        },
      },
      '/v1/indices': {
        get: {
          operationId: 'listIndices',
          tags: ['catalog'],
          summary: 'Product indices (aliases first) the key may use',
          security: SECURED,
          responses: { '200': ok('Indices with counts and encoders', 'IndexList'), ...errors([401, 502, 504]) },
        },
      },
      '/v1/indices/{name}/facets': {
        get: {
          operationId: 'indexFacets',
          tags: ['catalog'],
          summary: 'Values to filter by: brands, categories, ranges, attributes',
          security: SECURED,
          parameters: [INDEX_PARAM],
          responses: { '200': ok('Facets', 'Facets'), ...errors([400, 401, 403, 404, 502, 504]) },
        },
      },
      '/v1/indices/{name}/documents/{id}/photo': {
        get: {
          operationId: 'documentPhoto',
          tags: ['catalog'],
          summary: "A JPEG thumbnail of a document's local photo (administrator keys only)",
          description: 'Only for documents whose `image` is an absolute path or file: URL on the server; others are 404.',
          security: SECURED,
          parameters: [INDEX_PARAM, pathParam('id', z.string().min(1), 'Document id')],
          responses: {
            '200': { description: 'The thumbnail', headers: REQUEST_ID, content: { 'image/jpeg': { schema: { type: 'string', contentMediaType: 'image/jpeg' } } } },
            ...errors([400, 401, 403, 404, 502, 504]),
          },
        },
      },
      '/v1/reports': {
        get: {
          operationId: 'listReports',
          tags: ['catalog'],
          summary: 'Evaluation and data-quality reports in STRATA_REPORTS_DIR (administrator keys only)',
          security: SECURED,
          responses: { '200': ok('Reports with kind, date and command', 'ReportList'), ...errors([401, 403]) },
        },
      },
      '/v1/reports/{name}': {
        get: {
          operationId: 'getReport',
          tags: ['catalog'],
          summary: 'One report with its kind and command (administrator keys only)',
          security: SECURED,
          parameters: [pathParam('name', ReportNameSchema, 'Report name (its file name without .json)', PARAMETER_EXAMPLES.report)],
          responses: { '200': ok('The report', 'Report'), ...errors([400, 401, 403, 404]) },
        },
      },
      '/': {
        get: {
          operationId: 'webPage',
          tags: ['web'],
          summary: 'The web page (search, why this order, weights live, models and evaluation)',
          security: [],
          responses: { '200': { description: 'HTML', headers: REQUEST_ID, content: { 'text/html': { schema: { type: 'string' } } } }, ...errors([]) },
        },
      },
      '/assets/{file}': {
        get: {
          operationId: 'webAsset',
          tags: ['web'],
          summary: "The web page's bundled script and style sheet",
          security: [],
          parameters: [pathParam('file', z.string().min(1), 'app.js or app.css')],
          responses: {
            '200': {
              description: 'The asset',
              headers: REQUEST_ID,
              content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
            },
            ...errors([404]),
          },
        },
      },
      '/v1/models': {
        get: {
          operationId: 'listModels',
          tags: ['models'],
          summary: 'Encoders and heads with versions and metrics',
          security: SECURED,
          responses: { '200': ok('Encoders, heads, refused artifacts', 'ModelsResponse'), ...errors([401]) },
        },
      },
      '/v1/models/reload': {
        post: {
          operationId: 'reloadModels',
          tags: ['models'],
          summary: 'Reload head artifacts atomically (administrator keys only)',
          security: SECURED,
          responses: {
            '200': ok('Reloaded', 'ReloadResponse'),
            ...errors([401, 403]),
            '422': { description: 'Some artifacts were refused (listed); their previous versions keep serving', content: json(ref('ReloadResponse')) },
          },
        },
      },
      '/healthz': {
        get: { operationId: 'health', tags: ['operations'], summary: 'Liveness', security: [], responses: { '200': ok('Alive', 'HealthResponse') } },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          tags: ['operations'],
          summary: 'Readiness (Elasticsearch reachable, encoders loaded)',
          security: [],
          responses: { '200': ok('Ready', 'ReadyResponse'), '503': { description: 'Not ready (the failing check is named)', content: json(ref('ReadyResponse')) } },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          tags: ['operations'],
          summary: 'Prometheus metrics (text exposition format)',
          security: [],
          responses: { '200': { description: 'Prometheus text format 0.0.4', headers: REQUEST_ID, content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          tags: ['operations'],
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1', headers: REQUEST_ID, content: json({ type: 'object' }) } },
        },
      },
    },
  };
}

export function openApiRoutes(): Hono {
  const app = new Hono();
  const doc = openApiDocument();
  app.get('/', (c) => c.json(doc));
  return app;
}
