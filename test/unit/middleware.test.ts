/**
 * The request guards in front of every /v1 route, on a small Hono app: compressed bodies, JSON bodies (media type,
 * syntax, null, depth, __proto__), cross-site writes (Origin, Sec-Fetch-Site, Host on loopback) and the in-flight bound.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { decodeBody } from '../../service/app/middleware/body-encoding.ts';
import { checkJsonBody, findJsonHazard } from '../../service/app/middleware/json-body.ts';
import { refuseCrossSiteWrites } from '../../service/app/middleware/same-origin.ts';
import { limitInFlight } from '../../service/app/middleware/in-flight.ts';
import { errorResponse } from '../../service/app/app.ts';
import { json as bodyOf } from '../helpers/http.ts';

function appWith(...middleware: Parameters<Hono['use']>[1][]) {
  const app = new Hono();
  for (const m of middleware) app.use('*', m);
  app.all('*', async (c) => c.json({ ok: true, body: c.req.method === 'POST' ? await c.req.text() : null }));
  app.onError((err, c) => {
    const { status, body } = errorResponse(err);
    return c.json(body, status as 400);
  });
  return app;
}

const post = (app: Hono, body: string | Uint8Array<ArrayBuffer> | undefined, headers: Record<string, string> = {}) =>
  Promise.resolve(app.request('/v1/x', { method: 'POST', ...(body !== undefined ? { body } : {}), headers }));

describe('compressed bodies', () => {
  const app = appWith(decodeBody({ maxBytes: 1000 }), checkJsonBody({ maxDepth: 8 }));
  const body = JSON.stringify({ query: 'quiet dishwasher', documents: ['a', 'b'] });
  const headers = (encoding: string) => ({ 'content-type': 'application/json', 'content-encoding': encoding });

  it('decodes gzip, deflate, br and a chain of them to the same JSON the route reads', async () => {
    const cases: Array<[string, Uint8Array<ArrayBuffer>]> = [
      ['gzip', new Uint8Array(gzipSync(body))],
      ['x-gzip', new Uint8Array(gzipSync(body))],
      ['deflate', new Uint8Array(deflateSync(body))],
      ['br', new Uint8Array(brotliCompressSync(body))],
      ['GZIP', new Uint8Array(gzipSync(body))],
      ['deflate, gzip', new Uint8Array(gzipSync(deflateSync(body)))],
      ['identity', new TextEncoder().encode(body)],
    ];
    for (const [encoding, bytes] of cases) {
      const res = await post(app, bytes, headers(encoding));
      expect(res.status, encoding).toBe(200);
      expect((await bodyOf(res)).body, encoding).toBe(body);
    }
  });

  it('refuses a body that inflates past the limit with 413, even when its compressed form is tiny', async () => {
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(1_000_000, 32)));
    expect(bomb.length).toBeLessThan(2000);
    const res = await post(app, bomb, headers('gzip'));
    expect(res.status).toBe(413);
    expect((await bodyOf(res)).error.message).toMatch(/exceeds 1000 bytes once decompressed \(gzip\)/);
  });

  it('names corrupt data (400) and an encoding it cannot decode (415, content-encoding)', async () => {
    const corrupt = await post(app, 'not gzip at all', headers('gzip'));
    expect(corrupt.status).toBe(400);
    expect((await bodyOf(corrupt)).error.details.issues[0]).toMatchObject({ path: '(body)', message: expect.stringMatching(/not valid gzip data/) });
    for (const odd of ['constructor', '__proto__', 'gzip, toString']) {
      const res = await post(app, body, headers(odd));
      expect(res.status, odd).toBe(415);
    }
    const zstd = await post(app, body, headers('zstd'));
    expect(zstd.status).toBe(415);
    expect((await bodyOf(zstd)).error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringMatching(/content-encoding: "zstd" is not supported/) });
  });
});

describe('JSON bodies', () => {
  const app = appWith(checkJsonBody({ maxDepth: 8 }));
  const json = { 'content-type': 'application/json' };

  it('passes a JSON object on, and a body-less POST', async () => {
    expect((await post(app, '{"a":[1,{"b":2}]}', json)).status).toBe(200);
    expect((await post(app, undefined)).status).toBe(200);
    expect((await post(app, '{}', { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('refuses text/plain (what a cross-site form sends) with 415 naming content-type', async () => {
    const res = await post(app, '{"a":1}', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect((await bodyOf(res)).error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringMatching(/content-type/) });
  });

  it('names null, arrays, broken JSON, depth and __proto__ with their place', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['null', '(body)', /must be a JSON object, got null/],
      ['[1,2]', '(body)', /got an array/],
      ['"text"', '(body)', /got a string/],
      ['{"a":', '(body)', /not valid JSON/],
      [`{"a":${'['.repeat(20)}${']'.repeat(20)}}`, 'a.0.0.0.0.0.0.0', /nested deeper than 8 levels/],
      ['{"filters":{"attributes":{"__proto__":"x"}}}', 'filters.attributes.__proto__', /"__proto__" is not allowed/],
    ];
    for (const [body, path, message] of cases) {
      const res = await post(app, body, json);
      expect(res.status, body).toBe(400);
      const { error } = await bodyOf(res);
      expect(error.code).toBe('validation');
      expect(error.details.issues[0]).toMatchObject({ path, message: expect.stringMatching(message) });
    }
  });

  it('walks hostile nesting without recursion', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(findJsonHazard(deep, 32)?.message).toBe('nested deeper than 32 levels');
    expect(findJsonHazard({ a: [{ b: 1 }] }, 32)).toBeUndefined();
  });
});

describe('cross-site writes', () => {
  const app = appWith(refuseCrossSiteWrites({ allowedOrigins: ['https://shop.example'], listenHost: '127.0.0.1' }));
  const write = (headers: Record<string, string>, method = 'POST') => Promise.resolve(app.request('/v1/x', { method, headers }));

  it('lets non-browser clients, the service\'s own page and allowed origins write', async () => {
    expect((await write({})).status).toBe(200);
    expect((await write({ host: '127.0.0.1:8787', origin: 'http://127.0.0.1:8787', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await write({ host: 'localhost:8787', origin: 'http://localhost:8787' })).status).toBe(200);
    expect((await write({ host: '127.0.0.1:8787', origin: 'https://shop.example', 'sec-fetch-site': 'cross-site' })).status).toBe(200);
  });

  it('refuses other origins, null origins, cross-site fetches and rebinding hosts, for every write method', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await write({ host: '127.0.0.1:8787', origin: 'https://evil.example' }, method);
      expect(res.status).toBe(403);
      expect((await bodyOf(res)).error).toMatchObject({ code: 'cross_origin', message: expect.stringMatching(/Origin "https:\/\/evil.example"/) });
    }
    expect((await write({ host: '127.0.0.1:8787', origin: 'null' })).status).toBe(403);
    expect((await write({ host: '127.0.0.1:8787', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await write({ host: '127.0.0.1:8787', 'sec-fetch-site': 'same-site' })).status).toBe(403);
    // DNS rebinding: the page's own origin and Host agree, but the name is not this machine's loopback.
    expect((await write({ host: 'evil.example:8787', origin: 'http://evil.example:8787' })).status).toBe(403);
  });

  it('leaves reads alone, and the Host check to loopback listeners', async () => {
    expect((await app.request('/v1/x', { headers: { origin: 'https://evil.example' } })).status).toBe(200);
    const open = appWith(refuseCrossSiteWrites({ allowedOrigins: [], listenHost: '0.0.0.0' }));
    expect((await open.request('/v1/x', { method: 'POST', headers: { host: 'strata:8787' } })).status).toBe(200);
    const any = appWith(refuseCrossSiteWrites({ allowedOrigins: ['*'], listenHost: '127.0.0.1' }));
    expect((await any.request('/v1/x', { method: 'POST', headers: { origin: 'https://any.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });
});

describe('in-flight bound', () => {
  it('answers 503 overloaded at once past the bound, and admits again when a request ends', async () => {
    const gate = limitInFlight(2);
    const release: Array<() => void> = [];
    const app = new Hono();
    app.use('*', gate);
    app.get('/slow', () => new Promise<Response>((r) => release.push(() => r(new Response('ok')))));
    app.onError((err, c) => c.json(errorResponse(err).body, errorResponse(err).status as 503));
    const a = app.request('/slow');
    const b = app.request('/slow');
    await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    const third = await app.request('/slow');
    expect(performance.now() - started).toBeLessThan(50);
    expect(third.status).toBe(503);
    expect((await bodyOf(third)).error).toMatchObject({ code: 'overloaded', message: expect.stringMatching(/2 requests in flight/) });
    release.forEach((r) => r());
    await Promise.all([a, b]);
    expect(gate.inFlight()).toBe(0);
  });
});
