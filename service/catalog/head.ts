/**
 * The first line of a byte stream read ahead (to tell a file's separator or JSON form) without losing it: the
 * bytes read come back first when the stream is replayed.
 */

export interface StreamHead {
  /** The bytes read so far: the first line and whatever came with it (at most about 1 MB without a newline). */
  head: Buffer;
  /** The rest of the stream. */
  rest: AsyncIterator<Buffer>;
}

/**
 * Reads `source` up to its first newline (capped at 1 MB).
 *
 * @example const { head } = await readHead(createReadStream('catalog.csv')); head.toString().split('\n')[0]
 */
export async function readHead(source: AsyncIterable<Buffer>): Promise<StreamHead> {
  const rest = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.indexOf(10) === -1 && head.length < 1024 * 1024) {
    const next = await rest.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  return { head, rest };
}

/** The first line of the head, decoded (without its newline). */
export function firstLineOf({ head }: StreamHead): string {
  const newline = head.indexOf(10);
  return head.toString('utf8', 0, newline === -1 ? head.length : newline);
}

/** The bytes read ahead, then the rest of the stream. */
export async function* replay({ head, rest }: StreamHead): AsyncGenerator<Buffer> {
  if (head.length) yield head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
