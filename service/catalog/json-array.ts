/**
 * A JSON file that holds one top-level array of objects (`[{...}, {...}]`, pretty-printed or not), as many shop and
 * API exports write them, read element by element with `stream-json` so a large file is never one string in
 * memory. Readers of JSON Lines call `peekJson` first: an array goes here, a pretty-printed single document is
 * refused with what to send instead, and anything else is JSON Lines.
 */
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { StrataError } from '../errors.ts';
import { readHead, type StreamHead } from './head.ts';

export { replay } from './head.ts';

const require = createRequire(import.meta.url);
// stream-json 1.x is CommonJS (2.x and later need Node 22).
const { parser } = require('stream-json') as typeof import('stream-json');
const { streamArray } = require('stream-json/streamers/StreamArray.js') as typeof import('stream-json/streamers/StreamArray.js');

/** What a JSON(-Lines) byte stream holds, with the bytes read to tell (replay them with `replay`). */
export interface JsonPeek extends StreamHead {
  kind: 'lines' | 'array' | 'document';
}

/**
 * Reads just enough of `source` to tell JSON Lines (a first line that is a whole value) from one top-level array
 * (`[` first) or one pretty-printed document (its first two lines are not whole JSON values, as `{` then
 * `"products": [`).
 *
 * @example const peek = await peekJson(createReadStream('products.json')); // { kind: 'array', ... }
 */
export async function peekJson(source: AsyncIterable<Buffer>): Promise<JsonPeek> {
  const read = await readHead(source);
  const text = read.head.toString('utf8');
  const first = /\S/.exec(text);
  if (first?.[0] === '[') return { kind: 'array', ...read };
  const [line1 = '', line2] = text.split('\n', 2).map((l) => l.trim());
  // JSON Lines whose first line is broken still have whole values on the next: only two broken lines in a row
  // (`{` then `"products": [`) are a pretty-printed document.
  if (first?.[0] === '{' && line2 && !completeJson(line1) && !completeJson(line2)) return { kind: 'document', ...read };
  return { kind: 'lines', ...read };
}

function completeJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/**
 * The elements of a top-level JSON array, numbered from 1. A syntax error ends the read with an error naming the
 * element it broke in.
 *
 * @example for await (const { row, value } of jsonArrayElements(replay(peek))) ...
 */
export async function* jsonArrayElements(source: AsyncIterable<Buffer>): AsyncGenerator<{ row: number; value: unknown; error?: string }> {
  const input = Readable.from(source);
  const tokens = parser();
  const stream = streamArray();
  // pipe() does not pass errors on: a syntax error must end the loop below, not leave it waiting. It ends the
  // element stream gently, so the elements before the error still come out and the error names the right one.
  let syntaxError: Error | undefined;
  input.on('error', (err) => stream.destroy(err));
  tokens.on('error', (err) => {
    syntaxError = err;
    tokens.unpipe(stream);
    stream.end();
  });
  input.pipe(tokens).pipe(stream);
  let row = 0;
  try {
    for await (const item of stream as AsyncIterable<{ key: number; value: unknown }>) {
      row = item.key + 1;
      // stream-json assembles `"__proto__": {...}` as a prototype (JSON.parse makes it a plain key): refuse it.
      yield protoKeyIn(item.value) ? { row, value: undefined, error: 'the key "__proto__" is not allowed' } : { row, value: item.value };
    }
    if (syntaxError) throw syntaxError;
  } catch (err) {
    // The file's own failure (a corrupt gzip stream) is not a JSON syntax error.
    if (err instanceof StrataError) throw err;
    throw Object.assign(new Error(`malformed JSON in array element ${row + 1}: ${(err as Error).message}`), { row: row + 1 });
  } finally {
    input.destroy();
    tokens.destroy();
    stream.destroy();
  }
}

/** Whether a value assembled by stream-json holds an object whose prototype a `__proto__` key replaced. */
function protoKeyIn(root: unknown): boolean {
  const stack = [root];
  while (stack.length) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== Array.prototype) return true;
    stack.push(...Object.values(value));
  }
  return false;
}

/** The message for a pretty-printed single JSON document where rows were expected. */
export const DOCUMENT_HINT = 'the file is one pretty-printed JSON document: give one object per line (JSON Lines) or a top-level array of objects (for example `jq -c ".products[]" file.json > file.jsonl`)';
