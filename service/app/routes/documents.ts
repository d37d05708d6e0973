/**
 * Documents of an index: add or replace (upsert by id) a batch, delete by id. Each document is validated with
 * the catalog schema; bad ones are reported by position and field, and the good ones are still indexed. The
 * answer says per document what was not stored and why; every document it does not list was stored.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { issuesOf, parseWith, readJson } from '../validate.ts';
import { respond } from '../response-schemas.ts';
import { authorizeIndex } from '../auth.ts';
import { CatalogDocumentSchema, describeIssues, idWithinBytes } from '../../catalog/schema.ts';
import type { CatalogRow } from '../../catalog/read.ts';
import { ensureIndex } from '../../es/indices.ts';
import { deleteDocuments, indexDocuments, type IndexReport } from '../../indexing/index-documents.ts';
import { strataError, StrataError } from '../../errors.ts';

export const IndexNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'index names are lower-case letters, digits, _ . - (max 100)');

const RefreshSchema = z.union([z.boolean(), z.literal('wait_for')]).default(false);

/**
 * One document of an upsert. Read as anything here and validated one by one with the catalog schema (so one bad
 * document is reported by position while the others are indexed); the OpenAPI document types it as that schema.
 */
export const UpsertItemSchema = z.unknown();

export const DocumentsRequestSchema = z
  .object({
    documents: z.array(UpsertItemSchema).min(1, 'at least one document'),
    refresh: RefreshSchema,
  })
  .strict();

const IdSchema = z.string().min(1, 'must not be empty').pipe(idWithinBytes);

export const DeleteRequestSchema = z.object({ ids: z.array(IdSchema).min(1, 'at least one id').max(10_000, 'at most 10000 ids'), refresh: RefreshSchema }).strict();

/** Query parameters of `DELETE /v1/indices/:name/documents/:id`. */
export const DeleteQuerySchema = z.object({
  refresh: z.enum(['true', 'false', 'wait_for']).optional().describe('Make the deletion visible to search before answering (`wait_for`) or at once (`true`)'),
});

export const DeleteOneResponseSchema = z.object({ deleted: z.array(z.string()) });
export const DeleteResponseSchema = z.object({ deleted: z.array(z.string()), notFound: z.array(z.string()) });

/** Why a document was not stored. */
const DocumentOutcomeSchema = z.object({
  position: z.number().int().min(0).describe('Position in `documents`'),
  id: z.string().optional(),
  /**
   * `invalid`: refused by validation (never sent); `rejected`: refused by Elasticsearch; `not_indexed`: not sent
   * because indexing stopped (see `interrupted`); `unknown`: sent in a bulk request that failed as a whole, so
   * it may or may not be stored (sending it again is safe: upsert by id).
   */
  status: z.enum(['invalid', 'rejected', 'not_indexed', 'unknown']),
  errors: z.array(z.string()),
});

export const DocumentsResponseSchema = z.object({
  indexed: z.number().int().describe('documents stored'),
  failed: z.number().int().describe('documents certainly not stored (invalid, rejected, not_indexed)'),
  unknown: z.number().int().describe('documents whose bulk request failed as a whole: they may or may not be stored'),
  errors: z.array(DocumentOutcomeSchema).describe('every document that was not (or not certainly) stored; all others were'),
  truncated: z.array(z.object({ position: z.number().int().min(0), id: z.string(), fields: z.array(z.string()) })).describe('Fields cut to the length limit'),
  interrupted: z.object({ code: z.string(), message: z.string() }).optional().describe('why indexing stopped before the last document'),
});

export type DocumentsResponse = z.infer<typeof DocumentsResponseSchema>;

/**
 * The per-document answer for a batch of `count` documents from an indexing report.
 *
 * @example documentOutcomes(report, 3).errors // [{ position: 1, status: 'invalid', errors: ['title: ...'] }]
 */
export function documentOutcomes(report: IndexReport, count: number): DocumentsResponse {
  const errors: DocumentsResponse['errors'] = [];
  const seen = new Set<number>(report.indexedLines ?? []);
  for (const r of report.invalid) {
    seen.add(r.line);
    errors.push({ position: r.line, ...(r.id !== undefined ? { id: r.id } : {}), status: 'invalid', errors: r.errors });
  }
  for (const d of report.dropped) {
    if (d.line !== undefined) seen.add(d.line);
    errors.push({ position: d.line ?? 0, id: d.id, status: 'rejected', errors: [d.error] });
  }
  for (const u of report.unacknowledged) {
    seen.add(u.line);
    errors.push({ position: u.line, id: u.id, status: 'unknown', errors: [report.interrupted?.message ?? 'the bulk request failed'] });
  }
  const reason = report.interrupted?.message ?? 'indexing stopped before this document';
  for (let position = 0; position < count; position++) {
    if (!seen.has(position)) errors.push({ position, status: 'not_indexed', errors: [reason] });
  }
  errors.sort((a, b) => a.position - b.position);
  const unknown = errors.filter((e) => e.status === 'unknown').length;
  return {
    indexed: report.indexed,
    failed: errors.length - unknown,
    unknown,
    errors,
    truncated: report.truncated.map((t) => ({ position: t.line, id: t.id, fields: t.fields })),
    ...(report.interrupted ? { interrupted: { code: report.interrupted.code, message: report.interrupted.message } } : {}),
  };
}

export function documentRoutes({ es, pool, config }: AppDeps): Hono {
  const app = new Hono();
  const indexName = (c: Context) => {
    const parsed = IndexNameSchema.safeParse(c.req.param('name'));
    if (!parsed.success) {
      const message = parsed.error.issues[0]!.message;
      throw strataError('validation', { summary: `index: ${message}` }, { issues: [{ path: 'index', message }] });
    }
    return authorizeIndex(c, parsed.data);
  };

  app.post('/:name/documents', async (c) => {
    const index = indexName(c);
    const body = await readJson(c, DocumentsRequestSchema);
    if (body.documents.length > config.service.maxDocuments) {
      throw strataError('payload_too_large', { reason: `${body.documents.length} documents; at most ${config.service.maxDocuments} per request` });
    }
    const parsed = body.documents.map((d) => CatalogDocumentSchema.safeParse(d));
    const rows: CatalogRow[] = parsed.map((p, i) => (p.success ? { line: i, ok: true, doc: p.data } : { line: i, ok: false, errors: describeIssues(p.error) }));
    if (parsed.every((p) => !p.success)) {
      // Nothing to store: one 400 in the one error shape, listing every document's problems.
      const issues = parsed.flatMap((p, i) => issuesOf(p.error!).map((issue) => ({ path: `documents.${i}${issue.path === '(body)' ? '' : `.${issue.path}`}`, message: issue.message })));
      throw strataError('validation', { summary: issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ') }, { issues });
    }
    const encoders = config.retrieval.textEncoders;
    await ensureIndex(es, index, { encoders });
    const report = await indexDocuments(rows, {
      client: es,
      pool,
      index,
      encoders,
      refresh: body.refresh,
      maxFieldChars: config.service.maxFieldChars,
      signal: c.req.raw.signal,
      partial: true,
    });
    const answer = documentOutcomes(report, rows.length);
    if (answer.errors.length === 0) return respond(c, DocumentsResponseSchema, answer, 200);
    if (report.indexed > 0) return respond(c, DocumentsResponseSchema, answer, 207);
    // Nothing stored: the reason is the error (Elasticsearch down: 502; pool full: 503; documents refused: 400).
    const cause = report.interrupted;
    if (cause) throw new StrataError(cause.code, cause.message, cause.status, { ...(cause.details as object | undefined), documents: answer.errors });
    const issues = answer.errors.map((e) => ({ path: `documents.${e.position}`, message: e.errors.join('; ') }));
    throw strataError('validation', { summary: issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ') }, { issues, documents: answer.errors });
  });

  app.delete('/:name/documents/:id', async (c) => {
    const index = indexName(c);
    const id = IdSchema.safeParse(c.req.param('id'));
    if (!id.success) throw strataError('validation', { summary: `id: ${id.error.issues[0]!.message}` }, { issues: [{ path: 'id', message: id.error.issues[0]!.message }] });
    const query = parseWith(DeleteQuerySchema, c.req.query());
    const refresh = query.refresh === 'wait_for' ? 'wait_for' : query.refresh === 'true';
    const { deleted } = await deleteDocuments(es, index, [id.data], { refresh });
    if (deleted.length === 0) throw strataError('not_found', { what: `document "${id.data.slice(0, 100)}" in "${index}"` });
    return respond(c, DeleteOneResponseSchema, { deleted });
  });

  app.post('/:name/documents/_delete', async (c) => {
    const index = indexName(c);
    const body = await readJson(c, DeleteRequestSchema);
    return respond(c, DeleteResponseSchema, await deleteDocuments(es, index, body.ids, { refresh: body.refresh }));
  });

  return app;
}
