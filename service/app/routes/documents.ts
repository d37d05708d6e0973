/**
 * Documents of an index: add or replace (upsert by id) a batch, delete by id. Each document is validated with
 * the catalog schema; bad ones are reported by position and field, and the good ones are still indexed.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../validate.ts';
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

export const DocumentsRequestSchema = z.object({
  documents: z.array(z.unknown()).min(1, 'at least one document'),
  refresh: RefreshSchema,
});

export const DeleteRequestSchema = z.object({ ids: z.array(z.string().min(1)).min(1), refresh: RefreshSchema });

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
    return c.json(
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
    const refresh = c.req.query('refresh') === 'wait_for' ? 'wait_for' : c.req.query('refresh') === 'true';
    const { deleted } = await deleteDocuments(es, index, [c.req.param('id')], { refresh });
    if (deleted.length === 0) throw strataError('not_found', { what: `document "${c.req.param('id')}" in "${index}"` });
    return c.json({ deleted });
  });

  app.post('/:name/documents/_delete', async (c) => {
    const index = indexName(c);
    const body = await readJson(c, DeleteRequestSchema);
    return c.json(await deleteDocuments(es, index, body.ids, { refresh: body.refresh }));
  });

  return app;
}
