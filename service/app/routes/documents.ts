/**
 * Documents of an index: add or replace (upsert by id) a batch, delete by id. Each document is validated with
 * the catalog schema; bad ones are reported by position and field, and the good ones are still indexed.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { parseWith, readJson } from '../validate.ts';
import { respond } from '../response-schemas.ts';
import { authorizeIndex } from '../auth.ts';
import { CatalogDocumentSchema, describeIssues } from '../../catalog/schema.ts';
import type { CatalogRow } from '../../catalog/read.ts';
import { ensureIndex } from '../../es/indices.ts';
import { deleteDocuments, indexDocuments } from '../../indexing/index-documents.ts';
import { strataError } from '../../errors.ts';

export const IndexNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'index names are lower-case letters, digits, _ . - (max 100)');

const RefreshSchema = z.union([z.boolean(), z.literal('wait_for')]).default(false);

/**
 * One document of an upsert. Read as anything here and validated one by one with the catalog schema (so one bad
 * document is reported by position while the others are indexed); the OpenAPI document types it as that schema.
 */
export const UpsertItemSchema = z.unknown();

export const DocumentsRequestSchema = z.object({
  documents: z.array(UpsertItemSchema).min(1, 'at least one document'),
  refresh: RefreshSchema,
});

export const DeleteRequestSchema = z.object({ ids: z.array(z.string().min(1)).min(1), refresh: RefreshSchema });

/** Query parameters of `DELETE /v1/indices/:name/documents/:id`. */
export const DeleteQuerySchema = z.object({
  refresh: z.enum(['true', 'false', 'wait_for']).optional().describe('Make the deletion visible to search before answering (`wait_for`) or at once (`true`)'),
});

export const DocumentsResponseSchema = z.object({
  indexed: z.number().int().min(0),
  failed: z.number().int().min(0),
  errors: z.array(
    z.union([
      z.object({ position: z.number().int().min(0).describe('Position in `documents`'), errors: z.array(z.string()).describe('`field: message`') }),
      z.object({ id: z.string(), errors: z.array(z.string()).describe('Why Elasticsearch refused it') }),
    ]),
  ),
  truncated: z.array(z.object({ position: z.number().int().min(0), id: z.string(), fields: z.array(z.string()) })).describe('Fields cut to the length limit'),
});

export const DeleteOneResponseSchema = z.object({ deleted: z.array(z.string()) });
export const DeleteResponseSchema = z.object({ deleted: z.array(z.string()), notFound: z.array(z.string()) });

export function documentRoutes({ es, pool, config }: AppDeps): Hono {
  const app = new Hono();
  const indexName = (c: Context) => {
    const parsed = IndexNameSchema.safeParse(c.req.param('name'));
    if (!parsed.success) throw strataError('validation', { summary: `index: ${parsed.error.issues[0]!.message}` });
    return authorizeIndex(c, parsed.data);
  };

  app.post('/:name/documents', async (c) => {
    const index = indexName(c);
    const body = await readJson(c, DocumentsRequestSchema);
    if (body.documents.length > config.service.maxDocuments) {
      throw strataError('payload_too_large', { reason: `${body.documents.length} documents; at most ${config.service.maxDocuments} per request` });
    }
    const rows: CatalogRow[] = body.documents.map((d, i) => {
      const parsed = CatalogDocumentSchema.safeParse(d);
      return parsed.success ? { line: i, ok: true, doc: parsed.data } : { line: i, ok: false, errors: describeIssues(parsed.error) };
    });
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
    });
    const errors = [
      ...report.invalid.map((r) => ({ position: r.line, errors: r.errors })),
      ...report.dropped.map((d) => ({ id: d.id, errors: [d.error] })),
    ];
    return respond(
      c,
      DocumentsResponseSchema,
      {
        indexed: report.indexed,
        failed: errors.length,
        errors,
        truncated: report.truncated.map((t) => ({ position: t.line, id: t.id, fields: t.fields })),
      },
      errors.length === 0 ? 200 : report.indexed > 0 ? 207 : 400,
    );
  });

  app.delete('/:name/documents/:id', async (c) => {
    const index = indexName(c);
    const query = parseWith(DeleteQuerySchema, c.req.query());
    const refresh = query.refresh === 'wait_for' ? 'wait_for' : query.refresh === 'true';
    const { deleted } = await deleteDocuments(es, index, [c.req.param('id')], { refresh });
    if (deleted.length === 0) throw strataError('not_found', { what: `document "${c.req.param('id')}" in "${index}"` });
    return respond(c, DeleteOneResponseSchema, { deleted });
  });

  app.post('/:name/documents/_delete', async (c) => {
    const index = indexName(c);
    const body = await readJson(c, DeleteRequestSchema);
    return respond(c, DeleteResponseSchema, await deleteDocuments(es, index, body.ids, { refresh: body.refresh }));
  });

  return app;
}
