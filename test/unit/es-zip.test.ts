import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractZip, readZipEntry } from '../../service/es/manage/zip.ts';
import { makeZip } from './es-fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'strata-es-zip-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sample = makeZip([
  { name: 'es/' },
  { name: 'es/bin/' },
  { name: 'es/bin/elasticsearch', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
  { name: 'es/config/elasticsearch.yml', content: 'a: 1\n', mode: 0o640 },
]);

describe.each([
  ['yauzl (no system unzip)', false],
  ['system unzip', true],
])('extractZip with %s', (_label, useSystemUnzip) => {
  it('unpacks files with their content and keeps the executable bit', async () => {
    const zip = path.join(dir, 'a.zip');
    await writeFile(zip, sample);
    const out = path.join(dir, 'out');
    await extractZip(zip, out, { useSystemUnzip });
    expect(await readFile(path.join(out, 'es/bin/elasticsearch'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(await readFile(path.join(out, 'es/config/elasticsearch.yml'), 'utf8')).toBe('a: 1\n');
    expect((await stat(path.join(out, 'es/bin/elasticsearch'))).mode & 0o111).not.toBe(0);
    expect((await stat(path.join(out, 'es/config/elasticsearch.yml'))).mode & 0o111).toBe(0);
  });

  it('fails on a file that is not a zip', async () => {
    const zip = path.join(dir, 'bad.zip');
    await writeFile(zip, 'not a zip at all');
    await expect(extractZip(zip, path.join(dir, 'out'), { useSystemUnzip })).rejects.toThrow();
  });
});

describe('readZipEntry', () => {
  it('reads one entry and answers undefined for a missing one', async () => {
    const zip = path.join(dir, 'p.zip');
    await writeFile(zip, makeZip([{ name: 'x.jar', content: 'jar' }, { name: 'plugin-descriptor.properties', content: 'name=strata\n' }]));
    expect(await readZipEntry(zip, 'plugin-descriptor.properties')).toBe('name=strata\n');
    expect(await readZipEntry(zip, 'nope.txt')).toBeUndefined();
  });
});
