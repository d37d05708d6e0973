/**
 * A minimal zip writer for tests (stored or deflated entries, Unix modes, UTF-8 names), so tests build the zips
 * they read (Elasticsearch distributions and plugins, Python wheels) instead of committing binaries.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  name: string;
  /** Omit for a directory (name ending in '/'). */
  content?: string | Buffer;
  /** Unix permission bits, e.g. 0o755. */
  mode?: number;
}

/**
 * A zip file holding `entries` (stored, or deflated with `deflate`), with Unix modes in the external attributes as
 * `zip` writes them.
 *
 * @example
 *   writeFileSync(file, makeZip([{ name: 'bin/run', content: '#!/bin/sh\n', mode: 0o755 }]));
 */
export function makeZip(entries: ZipEntrySpec[], { deflate = false }: { deflate?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = entry.content === undefined ? Buffer.alloc(0) : Buffer.from(entry.content);
    const isDir = entry.name.endsWith('/');
    const mode = (isDir ? 0o040000 : 0o100000) | (entry.mode ?? (isDir ? 0o755 : 0o644));
    const crc = crc32(data);
    const packed = deflate ? deflateRawSync(data) : data;
    const method = deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 30, 4); // made by Unix, so the high 16 bits of the attributes are a mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
