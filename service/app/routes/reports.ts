/**
 * `GET /v1/reports` and `GET /v1/reports/:name`: the evaluation and data-quality reports in the report directory
 * (`STRATA_REPORTS_DIR`), read-only, for administrators (reports name every index and data set they ran on).
 */
import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.ts';
import { listReports, readReport, ReportListSchema, ReportSchema } from '../../usecases/reports.ts';
import { respond } from '../response-schemas.ts';
import { strataError } from '../../errors.ts';

const adminOnly = (c: Context) => {
  if ((c.get('tenant') ?? '*') !== '*') throw strataError('forbidden', { reason: 'reports are readable with an administrator key only' });
};

export function reportRoutes({ config }: AppDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    adminOnly(c);
    return respond(c, ReportListSchema, await listReports(config.reportsDir));
  });
  app.get('/:name', async (c) => {
    adminOnly(c);
    return respond(c, ReportSchema, await readReport(config.reportsDir, c.req.param('name')));
  });
  return app;
}
