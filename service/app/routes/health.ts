/** Liveness and readiness: `/healthz` answers while the process runs; `/readyz` checks Elasticsearch and the pool. */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { checkEs } from '../../es/client.ts';
import { StrataError } from '../../errors.ts';

export function healthRoutes({ es, pool, config }: AppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
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
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  return app;
}
