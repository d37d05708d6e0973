/**
 * Read-only views of the catalog for the web page: `GET /v1/indices` (product indices the caller may use),
 * `GET /v1/indices/:name/facets` (the values to offer as filters) and `GET /v1/indices/:name/documents/:id/photo`
 * (a thumbnail of a document's local photo).
 */
import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.ts';
import { authorizeIndex } from '../auth.ts';
import { IndexNameSchema } from './documents.ts';
import { IndexListSchema, listProductIndices } from '../../usecases/list-indices.ts';
import { FacetsSchema, indexFacets } from '../../usecases/facets.ts';
import { respond } from '../response-schemas.ts';
import { photoThumbnail } from '../../usecases/photo.ts';
import { strataError } from '../../errors.ts';

export function catalogRoutes({ es }: AppDeps): Hono {
  const app = new Hono();
  const indexName = (c: Context) => {
    const parsed = IndexNameSchema.safeParse(c.req.param('name'));
    if (!parsed.success) throw strataError('validation', { summary: `index: ${parsed.error.issues[0]!.message}` });
    return authorizeIndex(c, parsed.data);
  };

  app.get('/', async (c) => respond(c, IndexListSchema, await listProductIndices(es, c.get('tenant') ?? '*')));
  app.get('/:name/facets', async (c) => respond(c, FacetsSchema, await indexFacets(es, indexName(c))));
  app.get('/:name/documents/:id/photo', async (c) => {
    const index = indexName(c);
    // A local path is a file on this server: a tenant could name any image file in a document of its own, so only
    // administrators (or everyone when keys are off) get local photos; tenants' catalogs carry URLs.
    if ((c.get('tenant') ?? '*') !== '*') throw strataError('forbidden', { reason: 'local photos are served to administrator keys only; use image URLs in the catalog' });
    const jpeg = await photoThumbnail(es, index, c.req.param('id'));
    return c.body(new Uint8Array(jpeg), 200, { 'content-type': 'image/jpeg', 'cache-control': 'private, max-age=300' });
  });
  return app;
}
