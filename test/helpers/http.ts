/** Small helpers for calling the app in-process. */
import type { Hono } from 'hono';

// Test bodies are read loosely on purpose: the assertions are the type check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** The parsed JSON body of a response. */
export async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

/** POSTs a JSON body to the app in-process. */
export function postJson(app: Hono, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }));
}
