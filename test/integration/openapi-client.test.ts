/**
 * The OpenAPI document as a user of a generated client meets it: the live `/openapi.json` validates as OpenAPI
 * 3.1; the TypeScript types `openapi-typescript` makes from it are the committed ones this test calls through
 * (`openapi-fetch`); every request example validates against its schema and, sent through the generated client to
 * the real service over real HTTP (real Elasticsearch, an index this test makes, real encoders), succeeds; every
 * response, success or error, validates (ajv, JSON Schema 2020-12) against the schema the document declares for
 * its status; and every operation of the document is exercised.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import createClient from 'openapi-fetch';
import { dereference, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { paths } from '../generated/strata-api.ts';
import { GENERATED_TYPES, generateApiTypes } from '../helpers/openapi-types.ts';
import { loadConfig } from '../../service/config.ts';
import { start, type RunningService } from '../../service/app/start.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets } from '../../service/es/indices.ts';
import { encodeChargrams } from '../../service/encoders/chargram.ts';
import { trainLrHead } from '../../training/heads/train.ts';
import sharp from 'sharp';

type Doc = OpenAPIV3_1.Document;
type Method = 'get' | 'post' | 'delete';
type JsonBody<P extends keyof paths, M extends Method> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

// ajv-formats is CommonJS with a default export; either shape is accepted.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

const esUrl = inject('esUrl');
const index = `openapi-${randomUUID().slice(0, 8)}`;
const es = createEsClient({ url: esUrl });
let service: RunningService;
let client: ReturnType<typeof createClient<paths>>;
let live: Doc;
let resolved: Doc;
let photoFile: string;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

const operationsOf = (doc: Doc) =>
  Object.entries(doc.paths ?? {}).flatMap(([p, item]) =>
    (['get', 'post', 'delete'] as const).filter((m) => item?.[m]).map((m) => ({ path: p, method: m, op: item![m]! })),
  );

function operation(doc: Doc, p: string, method: Method): OpenAPIV3_1.OperationObject {
  const op = doc.paths?.[p]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${p} is not in the document`);
  return op;
}

/** The request examples of an operation, from the live document. */
function examplesOf(p: string, method: Method): Array<[string, unknown]> {
  const body = operation(live, p, method).requestBody as OpenAPIV3_1.RequestBodyObject;
  const examples = body.content['application/json']!.examples ?? {};
  expect(Object.keys(examples).length, `${method} ${p} has examples`).toBeGreaterThan(0);
  return Object.entries(examples).map(([name, ex]) => [name, (ex as OpenAPIV3_1.ExampleObject).value]);
}

/** A path parameter's example from the live document. */
function parameterExample(p: string, method: Method, name: string): string {
  const param = (operation(live, p, method).parameters ?? []).find((x) => (x as OpenAPIV3_1.ParameterObject).name === name) as OpenAPIV3_1.ParameterObject;
  return String(param.example);
}

/** Asserts a response validates against the schema the document declares for its status. */
function expectDeclared(p: string, method: Method, response: Response, body: unknown): void {
  const responses = operation(resolved, p, method).responses ?? {};
  const declared = (responses[String(response.status)] ?? responses.default) as OpenAPIV3_1.ResponseObject | undefined;
  expect(declared, `${method.toUpperCase()} ${p} declares status ${response.status}`).toBeDefined();
  const type = response.headers.get('content-type')?.split(';')[0] ?? '';
  const media = declared!.content?.[type];
  expect(media, `${method.toUpperCase()} ${p} ${response.status} declares ${type}`).toBeDefined();
  if (body instanceof ArrayBuffer) {
    // Binary (the photo's JPEG): the declared media type is the contract.
    expect(body.byteLength).toBeGreaterThan(0);
  } else {
    const check = ajv.compile(media!.schema as object);
    expect(check(body), `${method.toUpperCase()} ${p} ${response.status}: ${ajv.errorsText(check.errors)}`).toBe(true);
  }
  expect(response.headers.get('x-request-id')).toBeTruthy();
}

const exercised = new Set<string>();

/** Calls through the generated client; the response must be a success and fit its declared schema. */
async function succeeds<D>(p: string, method: Method, name: string, call: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<D> {
  const { data, error, response } = await call;
  expect(response.ok, `${method.toUpperCase()} ${p} example "${name}": ${response.status} ${JSON.stringify(error)}`).toBe(true);
  expectDeclared(p, method, response, data);
  exercised.add(`${method} ${p}`);
  return data!;
}

beforeAll(async () => {
  // The classify example names a head; a small chargram head of that name is trained here.
  const headsDir = await mkdtemp(path.join(tmpdir(), 'strata-openapi-heads-'));
  const texts = ['reset my card pin', 'forgot pin code', 'change my pin', 'card not arrived', 'where is my card', 'card delivery late'];
  const emb = encodeChargrams(texts);
  const names = Array.from({ length: emb.dim }, (_, i) => `text/chargram#${i}`);
  const artifact = trainLrHead({ rows: emb.vectors, n: texts.length, names, labels: [0, 0, 0, 1, 1, 1] }, { name: 'intents', task: 'classify', labels: ['pin', 'delivery'], encoders: ['text/chargram'] }, { steps: 200 });
  await writeFile(path.join(headsDir, 'intents.json'), JSON.stringify(artifact));
  // The report route's example names a report; one is written where the service reads reports.
  const reportsDir = await mkdtemp(path.join(tmpdir(), 'strata-openapi-reports-'));
  await writeFile(path.join(reportsDir, 'eval-rerank-scifact.json'), JSON.stringify({ command: 'strata eval rerank', queries: 3, systems: [] }));
  // A local photo for the thumbnail route.
  photoFile = path.join(reportsDir, 'photo.png');
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toFile(photoFile);
  service = await start(
    loadConfig({ STRATA_ES_URL: esUrl, STRATA_PORT: '0', STRATA_POOL_THREADS: '1', STRATA_INDEX: index, STRATA_HEADS_DIR: headsDir, STRATA_REPORTS_DIR: reportsDir, STRATA_LOG_REQUESTS: 'false' }),
  );
  client = createClient<paths>({ baseUrl: service.url });
  const { data, response } = await client.GET('/openapi.json');
  expect(response.status).toBe(200);
  live = data as unknown as Doc;
  resolved = (await dereference(structuredClone(live) as never)) as unknown as Doc;
});

afterAll(async () => {
  await service?.close();
  const targets = await aliasTargets(es, index).catch(() => []);
  if (targets.length) await es.indices.delete({ index: targets });
  await es.close();
});

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document with ids, tags, security, parameters and the one error schema', async () => {
    const result = await validate(structuredClone(live) as never);
    expect(result).toMatchObject({ valid: true, specification: 'OpenAPI' });
    expect(live.openapi).toBe('3.1.0');
    const ops = operationsOf(live);
    expect(new Set(ops.map((o) => o.op.operationId)).size).toBe(ops.length);
    for (const { path: p, method, op } of ops) {
      const at = `${method.toUpperCase()} ${p}`;
      expect(op.operationId, at).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(op.tags?.length, at).toBeGreaterThan(0);
      expect(op.security, at).toEqual(/^\/v[12]\//.test(p) ? [{ bearerAuth: [] }, { apiKeyHeader: [] }] : []);
      const pathParams = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).map((x) => x as OpenAPIV3_1.ParameterObject).filter((x) => x.in === 'path').map((x) => x.name);
      expect(declared, at).toEqual(pathParams);
      const responses = Object.entries(op.responses ?? {});
      expect(responses.some(([s]) => /^2\d\d$/.test(s)), at).toBe(true);
      for (const [status, r] of responses) {
        const schema = (r as OpenAPIV3_1.ResponseObject).content?.['application/json']?.schema as Record<string, unknown> | undefined;
        // Every error is the one error shape, except where a route reports its own outcome: the upsert's
        // all-failed report (400), a reload that refused artifacts (422), readiness that is not there (503).
        const ownReport = [`${p} 400`, `${p} 422`, `${p} 503`].some((k) => ['/v1/indices/{name}/documents 400', '/v1/models/reload 422', '/readyz 503'].includes(k));
        if (/^[45]|default/.test(status) && schema && !ownReport) expect(schema, `${at} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
      if (method === 'post' && op.requestBody) expect((op.requestBody as OpenAPIV3_1.RequestBodyObject).required, at).toBe(true);
    }
    const upsert = live.components!.schemas!.UpsertDocumentsRequest as { properties: { documents: { items: unknown } } };
    expect(upsert.properties.documents.items).toEqual({ $ref: '#/components/schemas/CatalogDocument' });
    const deleteOne = operation(live, '/v1/indices/{name}/documents/{id}', 'delete').parameters!.map((x) => x as OpenAPIV3_1.ParameterObject);
    expect(deleteOne.find((x) => x.name === 'refresh')).toMatchObject({ in: 'query', schema: { enum: ['true', 'false', 'wait_for'] } });
    const rerank = live.components!.schemas!.RerankRequest as { oneOf: unknown };
    expect(rerank.oneOf).toEqual([{ required: ['documents'] }, { required: ['input'] }, { required: ['ids'] }]);
    // Dates are strings, in documents and in filters (the server refuses numbers there).
    const catalog = live.components!.schemas!.CatalogDocument as { properties: Record<string, { type?: string; pattern?: string }> };
    expect(catalog.properties.release_date).toMatchObject({ type: 'string', pattern: expect.any(String) });
    const search = live.components!.schemas!.SearchRequest as { properties: { filters: { properties: { release_date: { properties: Record<string, { type: string }> } } } } };
    for (const bound of Object.values(search.properties.filters.properties.release_date.properties)) expect(bound.type).toBe('string');
  });

  it('generates exactly the committed TypeScript client types', async () => {
    const committed = await readFile(GENERATED_TYPES, 'utf8');
    expect(await generateApiTypes(live), 'run `npm run openapi:types` and commit test/generated/strata-api.ts').toBe(committed);
  });

  it('has request examples that fit their own schemas', () => {
    for (const { path: p, method, op } of operationsOf(resolved)) {
      const media = (op.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content['application/json'];
      if (!media) continue;
      const check = ajv.compile(media.schema as object);
      for (const [name, ex] of Object.entries(media.examples ?? {})) {
        expect(check((ex as OpenAPIV3_1.ExampleObject).value), `${method.toUpperCase()} ${p} example "${name}": ${ajv.errorsText(check.errors)}`).toBe(true);
      }
    }
  });
});

describe('a generated client over every route', () => {
  it('runs every example successfully, and every response fits its declared schema', async () => {
    const docs = '/v1/indices/{name}/documents' as const;
    for (const [name, body] of examplesOf(docs, 'post')) {
      const data = await succeeds(docs, 'post', name, client.POST(docs, { params: { path: { name: index } }, body: body as JsonBody<typeof docs, 'post'> }));
      expect(data.indexed).toBe((body as { documents: unknown[] }).documents.length);
    }
    for (const [name, body] of examplesOf('/v1/search', 'post')) {
      const data = await succeeds('/v1/search', 'post', name, client.POST('/v1/search', { body: body as JsonBody<'/v1/search', 'post'> }));
      expect(data.hits.length, `search example "${name}" finds the example documents`).toBeGreaterThan(0);
    }
    for (const [name, body] of examplesOf('/v1/search/dsl', 'post')) {
      const data = await succeeds('/v1/search/dsl', 'post', name, client.POST('/v1/search/dsl', { body: body as JsonBody<'/v1/search/dsl', 'post'> }));
      expect(data.path).toBe(`/${index}/_search`);
    }
    const indices = await succeeds('/v1/indices', 'get', 'none', client.GET('/v1/indices'));
    expect(indices.indices.length).toBeGreaterThan(0);
    const facets = await succeeds('/v1/indices/{name}/facets', 'get', 'none', client.GET('/v1/indices/{name}/facets', { params: { path: { name: index } } }));
    expect(JSON.stringify(facets)).toContain('Bosch');
    // The photo route needs a document whose image is a local file: one is added for it.
    await client.POST(docs, { params: { path: { name: index } }, body: { documents: [{ id: 'photo-1', title: 'A red sample swatch', image: photoFile }], refresh: 'wait_for' } });
    const photo = await succeeds(
      '/v1/indices/{name}/documents/{id}/photo',
      'get',
      'local photo',
      client.GET('/v1/indices/{name}/documents/{id}/photo', { params: { path: { name: index, id: 'photo-1' } }, parseAs: 'arrayBuffer' }),
    );
    expect((await sharp(Buffer.from(photo)).metadata()).format).toBe('jpeg');
    const reports = await succeeds('/v1/reports', 'get', 'none', client.GET('/v1/reports'));
    const reportName = parameterExample('/v1/reports/{name}', 'get', 'name');
    expect(reports.reports.map((r) => r.name)).toContain(reportName);
    const report = await succeeds('/v1/reports/{name}', 'get', 'parameter example', client.GET('/v1/reports/{name}', { params: { path: { name: reportName } } }));
    expect(report.kind).toBe('eval-rerank');
    const page = await succeeds('/', 'get', 'none', client.GET('/', { parseAs: 'text' }));
    expect(page).toMatch(/<html/i);
    for (const file of [parameterExample('/assets/{file}', 'get', 'file'), 'app.css']) {
      await succeeds('/assets/{file}', 'get', file, client.GET('/assets/{file}', { params: { path: { file } }, parseAs: 'text' }));
    }
    for (const [name, body] of examplesOf('/v1/rerank', 'post')) {
      const data = await succeeds('/v1/rerank', 'post', name, client.POST('/v1/rerank', { body: body as JsonBody<'/v1/rerank', 'post'> }));
      if ('rerank' in data) expect(data.rerank.length).toBeGreaterThan(0);
      else expect(data.meta.api_version.version).toBe('1');
    }
    for (const [name, body] of examplesOf('/v2/rerank', 'post')) {
      const data = await succeeds('/v2/rerank', 'post', name, client.POST('/v2/rerank', { body: body as JsonBody<'/v2/rerank', 'post'> }));
      expect(data.meta.api_version.version).toBe('2');
    }
    const head = parameterExample('/v1/classify/{head}', 'post', 'head');
    for (const [name, body] of examplesOf('/v1/classify/{head}', 'post')) {
      const data = await succeeds('/v1/classify/{head}', 'post', name, client.POST('/v1/classify/{head}', { params: { path: { head } }, body: body as JsonBody<'/v1/classify/{head}', 'post'> }));
      const threshold = (body as { threshold?: number }).threshold;
      if (threshold === undefined) expect(data.results.map((r) => r.label)).toEqual(['pin', 'delivery']);
      else {
        // A request threshold: the head abstains exactly on the texts scoring under it.
        expect(data.head.abstain).toEqual({ score: 'max_probability', threshold, source: 'request' });
        expect(data.results[0]!.label).toBe('pin');
        for (const r of data.results) expect([r.out_of_scope, r.label === null]).toEqual([r.score < threshold, r.score < threshold]);
      }
    }
    const models = await succeeds('/v1/models', 'get', 'none', client.GET('/v1/models'));
    expect(models.heads.map((h) => h.name)).toContain(head);
    await succeeds('/v1/models/reload', 'post', 'none', client.POST('/v1/models/reload'));
    await succeeds('/healthz', 'get', 'none', client.GET('/healthz'));
    const ready = await succeeds('/readyz', 'get', 'none', client.GET('/readyz'));
    expect(ready.status).toBe('ready');
    const metrics = await succeeds('/metrics', 'get', 'none', client.GET('/metrics', { parseAs: 'text' }));
    expect(metrics).toMatch(/strata_http_requests_total\{route="\/v2\/rerank",method="POST",status="200"\}/);
    await succeeds('/openapi.json', 'get', 'none', client.GET('/openapi.json'));
    const many = '/v1/indices/{name}/documents/_delete' as const;
    for (const [name, body] of examplesOf(many, 'post')) {
      const data = await succeeds(many, 'post', name, client.POST(many, { params: { path: { name: index } }, body: body as JsonBody<typeof many, 'post'> }));
      expect(data.deleted).toEqual((body as { ids: string[] }).ids);
    }
    const one = '/v1/indices/{name}/documents/{id}' as const;
    const id = parameterExample(one, 'delete', 'id');
    const refresh = parameterExample(one, 'delete', 'refresh') as 'wait_for';
    const deleted = await succeeds(one, 'delete', 'parameter examples', client.DELETE(one, { params: { path: { name: index, id }, query: { refresh } } }));
    expect(deleted.deleted).toEqual([id]);

    expect([...exercised].sort()).toEqual(operationsOf(live).map((o) => `${o.method} ${o.path}`).sort());
  });

  it('answers errors in the declared error schema', async () => {
    const errors: Array<[string, Method, Promise<{ error?: unknown; response: Response }>, number]> = [
      ['/v1/search', 'post', client.POST('/v1/search', { body: { filters: { release_date: { gte: 20240101 } } } as never }), 400],
      ['/v1/search', 'post', client.POST('/v1/search', { body: { query: 'q', index: 'no-such-index' } }), 404],
      ['/v1/rerank', 'post', client.POST('/v1/rerank', { body: { query: 'q' } as never }), 400],
      ['/v1/rerank', 'post', client.POST('/v1/rerank', { body: { query: 'q', ids: ['no-such-id'] } }), 404],
      ['/v2/rerank', 'post', client.POST('/v2/rerank', { body: { query: 'q', documents: [{ title: 'no text' }] } }), 400],
      ['/v1/classify/{head}', 'post', client.POST('/v1/classify/{head}', { params: { path: { head: 'no-such-head' } }, body: { texts: ['x'] } }), 404],
      ['/v1/indices/{name}/documents', 'post', client.POST('/v1/indices/{name}/documents', { params: { path: { name: index } }, body: { documents: [{ id: 'x' }] as never } }), 400],
      ['/v1/indices/{name}/documents/_delete', 'post', client.POST('/v1/indices/{name}/documents/_delete', { params: { path: { name: index } }, body: { ids: [] } }), 400],
      ['/v1/indices/{name}/documents/{id}', 'delete', client.DELETE('/v1/indices/{name}/documents/{id}', { params: { path: { name: index, id: 'no-such-id' } } }), 404],
      ['/v1/indices/{name}/documents/{id}', 'delete', client.DELETE('/v1/indices/{name}/documents/{id}', { params: { path: { name: index, id: 'x' }, query: { refresh: 'yes' as never } } }), 400],
      ['/v1/indices/{name}/facets', 'get', client.GET('/v1/indices/{name}/facets', { params: { path: { name: 'no-such-index' } } }), 404],
      ['/v1/reports/{name}', 'get', client.GET('/v1/reports/{name}', { params: { path: { name: 'no-such-report' } } }), 404],
      ['/assets/{file}', 'get', client.GET('/assets/{file}', { params: { path: { file: 'nope.js' } } }), 404],
    ];
    for (const [p, method, call, status] of errors) {
      const { error, response } = await call;
      expect(response.status, `${method.toUpperCase()} ${p}: ${JSON.stringify(error)}`).toBe(status);
      expectDeclared(p, method, response, error);
    }
  });
});
