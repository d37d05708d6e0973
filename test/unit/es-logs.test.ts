import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose, fileSize, lastLines, tailFile } from '../../service/es/manage/logs.ts';

describe('lastLines', () => {
  it('returns the last n lines, ignoring the final newline', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc');
    expect(lastLines('a\nb', 5)).toBe('a\nb');
    expect(lastLines('a\nb', 0)).toBe('');
  });
});

describe('tailFile', () => {
  it('reads only the end of a file larger than one chunk', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-tail-'));
    try {
      const file = path.join(dir, 'strata.log');
      await writeFile(file, Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n') + '\n');
      expect(await tailFile(file, 3, { chunkBytes: 64 })).toBe('line 4997\nline 4998\nline 4999');
      expect((await tailFile(file, 200, { chunkBytes: 50 })).split('\n')).toHaveLength(200);
      expect(await tailFile(path.join(dir, 'missing.log'), 10)).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows only what was appended after an offset, so a failed start never quotes an older run', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-tail-'));
    try {
      const file = path.join(dir, 'strata.log');
      await writeFile(file, 'old run 1\nold run 2\n');
      const offset = await fileSize(file);
      expect(await tailFile(file, 10, { from: offset })).toBe('');
      await appendFile(file, 'new run failed\n');
      expect(await tailFile(file, 10, { from: offset, chunkBytes: 4 })).toBe('new run failed');
      await writeFile(file, 'rotated\n'); // shorter than the offset: read whole
      expect(await tailFile(file, 10, { from: offset })).toBe('rotated');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('diagnose', () => {
  it.each([
    ['java.io.IOException: No space left on device', /disk full/],
    ['BindHttpException[Failed to bind to 127.0.0.1:9200]; nested: BindException[Address already in use]', /port is already taken/],
    ['java.lang.UnsupportedClassVersionError: org/elasticsearch/... class file version 65.0', /JDK is too old/],
    ['Error occurred during initialization of VM\nCould not reserve enough space for object heap', /not enough memory/],
    ["# Native memory allocation (mmap) failed to map 214748364800 bytes. Error detail: committing reserved memory.", /not enough memory/],
    ['java.lang.RuntimeException: can not run elasticsearch as root', /refuses to run as root/],
    ['java.lang.IllegalArgumentException: unknown setting [xpack.ml.enabled] please check', /unknown setting \[xpack\.ml\.enabled\]/],
    ['java.nio.file.AccessDeniedException: /var/lib/strata/es/data/nodes', /permission denied on \/var\/lib\/strata\/es\/data\/nodes/],
  ])('recognises %j', (text, reason) => {
    expect(diagnose(`[INFO ] starting ...\n${text}\n`)).toMatch(reason);
  });

  it('says nothing about a log with no known failure', () => {
    expect(diagnose('[INFO ][o.e.n.Node] started\n[INFO ][o.e.c.r.a.AllocationService] status changed')).toBeUndefined();
  });
});
