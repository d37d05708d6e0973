/** `GET /v1/models` (encoders and the caller's heads, with versions and metrics) and `POST /v1/models/reload` (atomic). */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { listEncoderSpecs } from '../../encoders/registry.ts';
import { strataError } from '../../errors.ts';

export function modelRoutes({ heads, config }: AppDeps): Hono {
  const app = new Hono();
  // A tenant sees the shared heads and its own, never another tenant's, and no server paths.
  app.get('/', (c) =>
    c.json({
      encoders: listEncoderSpecs().map((s) => ({ ...s, active: config.retrieval.textEncoders.includes(s.id) })),
      heads: heads.list(c.get('tenant')),
      refused: heads.refused(c.get('tenant')),
    }),
  );
  app.post('/reload', async (c) => {
    if ((c.get('tenant') ?? '*') !== '*') throw strataError('forbidden', { reason: 'only an administrator key may reload models' });
    const { loaded, refused } = await heads.reload();
    // A refused artifact leaves the previous version of its head serving; say so with a distinct status.
    return c.json({ loaded, refused }, refused.length ? 422 : 200);
  });
  return app;
}
