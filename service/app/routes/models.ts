/** `GET /v1/models` (encoders and heads, with versions and metrics) and `POST /v1/models/reload` (atomic). */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { listEncoderSpecs } from '../../encoders/registry.ts';
import { strataError } from '../../errors.ts';
import { featureNames } from '../../features/assemble.ts';
import { describeFeature, featureScope } from '../../features/scopes.ts';

export function modelRoutes({ heads, config }: AppDeps): Hono {
  const app = new Hono();
  app.get('/', (c) =>
    c.json({
      encoders: listEncoderSpecs().map((s) => ({ ...s, active: config.retrieval.textEncoders.includes(s.id) })),
      heads: heads.list(),
      refused: heads.refused(),
      // What each rerank feature measures and whether inline documents have it (scope `request`) or not (`index`).
      features: featureNames({ textEncoders: config.retrieval.textEncoders, interactionDims: config.retrieval.interactionDims }).map((name) => ({
        name,
        scope: featureScope(name),
        description: describeFeature(name),
      })),
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
