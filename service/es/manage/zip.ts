/**
 * Reading zips: the system `unzip` when present (fast, keeps modes), else yauzl, which also reads single
 * entries (a plugin's descriptor) without unpacking.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { describeFailure, runCommand } from './run.ts';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * Unpacks `zip` into `dest` (created), with the system `unzip` unless `useSystemUnzip` is false or it is missing.
 *
 * @example
 *   await extractZip('/cache/es/elasticsearch-9.5.3.zip', '/cache/es/.unpack');
 */
export async function extractZip(zip: string, dest: string, { useSystemUnzip = true } = {}): Promise<void> {
  await mkdir(dest, { recursive: true });
  if (useSystemUnzip) {
    const result = await runCommand({ file: 'unzip', args: ['-q', '-o', zip, '-d', dest] }, { timeoutMs: 600_000 });
    if (result.code === 0) return;
    if ((result.error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') {
      throw new Error(`unzip ${zip} failed: ${describeFailure(result)}`);
    }
  }
  await forEachEntry(zip, async (entry, open) => {
    const target = path.resolve(dest, entry.fileName);
    if (!target.startsWith(path.resolve(dest) + path.sep)) throw new Error(`zip entry escapes the target: ${entry.fileName}`);
    const mode = entry.externalFileAttributes >>> 16;
    if (entry.fileName.endsWith('/')) {
      await mkdir(target, { recursive: true });
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    if ((mode & S_IFMT) === S_IFLNK) {
      await symlink(await readAll(await open()), target);
      return;
    }
    await pipeline(await open(), createWriteStream(target, { mode: mode & 0o777 || 0o644 }));
  });
}

/**
 * The text of one entry of a zip, or undefined when it has no such entry.
 *
 * @example
 *   await readZipEntry('/tmp/plugin.zip', 'plugin-descriptor.properties');
 */
export async function readZipEntry(zip: string, name: string): Promise<string | undefined> {
  let text: string | undefined;
  await forEachEntry(zip, async (entry, open) => {
    if (entry.fileName === name) text = await readAll(await open());
  });
  return text;
}

type Visit = (entry: yauzl.Entry, open: () => Promise<Readable>) => Promise<void>;

/** Visits entries one at a time (lazy), so a large zip never has all its streams open at once. */
function forEachEntry(zip: string, visit: Visit): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zip, { lazyEntries: true, autoClose: true }, (err, file) => {
      if (err || !file) return reject(err ?? new Error(`cannot open ${zip}`));
      const fail = (e: unknown) => {
        file.close();
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      file.on('error', fail);
      file.on('end', () => resolve());
      file.on('entry', (entry: yauzl.Entry) => {
        const open = () =>
          new Promise<Readable>((res, rej) => file.openReadStream(entry, (e, s) => (e || !s ? rej(e ?? new Error('no stream')) : res(s))));
        visit(entry, open).then(() => file.readEntry(), fail);
      });
      file.readEntry();
    });
  });
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
