/** `GET /v1/models` (encoders and the caller's heads, with versions and metrics) and `POST /v1/models/reload` (atomic). */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { respond } from '../response-schemas.ts';
import { listEncoderSpecs } from '../../encoders/registry.ts';
import { strataError } from '../../errors.ts';

const RefusedSchema = z.array(z.object({ file: z.string(), error: z.string() })).describe('Artifacts that did not load, with the reason');

export const ModelsResponseSchema = z.object({
  encoders: z.array(
    z.object({
      id: z.string(),
      modality: z.enum(['text', 'image', 'number', 'category', 'recency', 'geo', 'timeseries']),
      dim: z.number().int(),
      version: z.string(),
      weights: z.string(),
      preprocessing: z.string(),
      options: z.record(z.string(), z.unknown()).optional(),
      active: z.boolean().describe('Stored at indexing and used for reranking by this service'),
    }),
  ),
  heads: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      task: z.string(),
      version: z.string(),
      features: z.number().int(),
      labels: z.array(z.string()).optional(),
      metrics: z.record(z.string(), z.unknown()),
      createdAt: z.string(),
      file: z.string().nullable().describe('null for the built-in head'),
      path: z.string().nullable().optional().describe('The artifact\'s absolute path: shown to administrator keys (and with keys off) only'),
    }),
  ),
  refused: RefusedSchema,
});

export const ReloadResponseSchema = z.object({ loaded: z.array(z.string()).describe('Heads now served'), refused: RefusedSchema });

export function modelRoutes({ heads, config }: AppDeps): Hono {
  const app = new Hono();
  // A tenant sees the shared heads and its own, never another tenant's, and no server paths.
  app.get('/', (c) =>
    respond(c, ModelsResponseSchema, {
      encoders: listEncoderSpecs().map((s) => ({ ...s, active: config.retrieval.textEncoders.includes(s.id) })),
      heads: heads.list(c.get('tenant')),
      refused: heads.refused(c.get('tenant')),
    }),
  );
  app.post('/reload', async (c) => {
    if ((c.get('tenant') ?? '*') !== '*') throw strataError('forbidden', { reason: 'only an administrator key may reload models' });
    const { loaded, refused } = await heads.reload();
    // A refused artifact leaves the previous version of its head serving; say so with a distinct status.
    return respond(c, ReloadResponseSchema, { loaded, refused }, refused.length ? 422 : 200);
  });
  return app;
}
