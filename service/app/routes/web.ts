/**
 * The web page (`GET /`) and its bundled assets (`GET /assets/app.js|app.css`), same origin as the API. The
 * bundle is built on the first request and kept; a failed build is answered with the error and retried next time.
 * The HTML carries the defaults the page needs (default index, reranker weights, whether API keys are on), never a
 * key: the page keeps the user's key in session storage.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import type { AppDeps } from '../deps.ts';
import { buildWebAssets, type WebAsset } from '../../web/build.ts';
import { DEFAULT_WEIGHTS, SIGNALS } from '../../rerank/weights.ts';
import { strataError } from '../../errors.ts';

const HTML = path.join(import.meta.dirname, '../../web/index.html');

// Photos may come from any https URL a catalog names; everything else is this origin only.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' blob: data: https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function webRoutes({ config }: AppDeps): Hono {
  const app = new Hono();
  let assets: Promise<Map<string, WebAsset>> | undefined;
  const load = () =>
    (assets ??= buildWebAssets().catch((err: unknown) => {
      assets = undefined;
      throw strataError('internal', { reason: `the web page did not build: ${err instanceof Error ? err.message : String(err)}` });
    }));
  const boot = JSON.stringify({
    index: config.service.index,
    window: config.retrieval.window,
    signals: SIGNALS,
    weights: DEFAULT_WEIGHTS,
    auth: Boolean(config.service.apiKeys?.trim()),
  }).replace(/</g, '\\u003c');

  app.use('/', etag());
  app.use('/assets/*', etag());
  app.get('/', async (c) => {
    await load();
    const html = (await readFile(HTML, 'utf8')).replace('{{CONFIG}}', boot);
    return c.html(html, 200, { ...SECURITY_HEADERS, 'cache-control': 'no-cache' });
  });
  app.get('/assets/:file', async (c) => {
    const asset = (await load()).get(c.req.param('file'));
    if (!asset) throw strataError('not_found', { what: `asset ${c.req.param('file')}` });
    return c.body(new Uint8Array(asset.body), 200, { 'content-type': asset.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  });
  return app;
}
