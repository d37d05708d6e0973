/**
 * Compressed request bodies (`Content-Encoding: gzip`, `deflate` or `br`, as HTTP clients with request compression
 * send them) are decompressed before the JSON guard reads them, never past `maxBytes` decompressed: a small
 * compressed body that would inflate beyond the body limit is a 413, not a memory spike. Corrupt data is a 400
 * naming the encoding; an encoding Node cannot decode is a 415 naming `content-encoding`. Before, such a body
 * reached the JSON parser as bytes and came back as a misleading "not valid JSON".
 */
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, type ZlibOptions } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';
import { strataError } from '../../errors.ts';

type Decoder = (data: Buffer, options: ZlibOptions) => Promise<Buffer>;

// A Map, not an object: a coding named `constructor` or `__proto__` must not find Object's own members.
const DECODERS = new Map<string, Decoder>([
  ['gzip', promisify(gunzip)],
  ['x-gzip', promisify(gunzip)],
  ['deflate', promisify(inflate)],
  ['br', promisify(brotliDecompress) as Decoder],
]);

/**
 * Middleware decoding a compressed request body in place (after the body-size limit on the compressed bytes).
 *
 * @example app.use('/v1/*', bodyLimit(...), decodeBody({ maxBytes: 8 * 1024 * 1024 }), checkJsonBody());
 */
export function decodeBody({ maxBytes }: { maxBytes: number }): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('content-encoding')?.trim().toLowerCase();
    if (!header || header === 'identity' || !c.req.raw.body) return next();
    // Several codings apply in the order listed; undo them last first.
    const codings = header.split(',').map((s) => s.trim()).filter((s) => s && s !== 'identity').reverse();
    const unknown = codings.find((name) => !DECODERS.has(name));
    if (unknown) {
      throw strataError('unsupported_media_type', {
        reason: `content-encoding: "${unknown.slice(0, 40)}" is not supported (send gzip, deflate, br or none)`,
      });
    }
    let data: Buffer = Buffer.from(await c.req.raw.arrayBuffer());
    for (const name of codings) {
      try {
        data = await DECODERS.get(name)!(data, { maxOutputLength: maxBytes });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
          throw strataError('payload_too_large', { reason: `the body exceeds ${maxBytes} bytes once decompressed (${name})` });
        }
        throw strataError('validation', { summary: `(body): not valid ${name} data` }, { issues: [{ path: '(body)', message: `not valid ${name} data (content-encoding)` }] });
      }
    }
    const headers = new Headers(c.req.raw.headers);
    headers.delete('content-encoding');
    headers.set('content-length', String(data.length));
    c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers, body: new Uint8Array(data), signal: c.req.raw.signal });
    return next();
  };
}
