/** Liveness and readiness: `/healthz` answers while the process runs; `/readyz` checks Elasticsearch and the pool. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { respond } from '../response-schemas.ts';
import { checkEs } from '../../es/client.ts';
import { StrataError } from '../../errors.ts';

export const HealthResponseSchema = z.object({ status: z.literal('ok') });

export const ReadyResponseSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })).describe('elasticsearch, encoders'),
});

export function healthRoutes({ es, pool, config }: AppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => respond(c, HealthResponseSchema, { status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      const h = await checkEs(es);
      checks.elasticsearch = { ok: true, detail: h.status };
    } catch (err) {
      checks.elasticsearch = { ok: false, detail: err instanceof StrataError ? err.message : String(err) };
    }
    try {
      for (const id of config.retrieval.textEncoders) await pool.warm(id);
      checks.encoders = { ok: true, detail: config.retrieval.textEncoders.join(', ') };
    } catch (err) {
      checks.encoders = { ok: false, detail: (err as Error).message };
    }
    const ready = Object.values(checks).every((x) => x.ok);
    return respond(c, ReadyResponseSchema, { status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  return app;
}
