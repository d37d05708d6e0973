/** The read-only reports API's file logic, the command line reports record, category parents and photo sources. */
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listReports, readReport, reportKind } from '../../service/usecases/reports.ts';
import { commandLine, writeReport } from '../../training/report/write.ts';
import { withParents } from '../../service/usecases/facets.ts';
import { photoSource } from '../../service/usecases/photo.ts';
import { StrataError } from '../../service/errors.ts';

describe('reports', () => {
  it('tells the three report kinds apart by their shape', () => {
    expect(reportKind({ systems: [], queries: 3 })).toBe('eval-rerank');
    expect(reportKind({ perClass: [], confused: [], accuracy: 1 })).toBe('eval-classify');
    expect(reportKind({ exactDuplicates: { groups: 0 }, fields: {} })).toBe('data-quality');
    expect(reportKind({ results: [] })).toBe('other');
    expect(reportKind([1, 2])).toBe('other');
  });

  it('lists the JSON reports of a folder with kind, command and date, and reads one by name only', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-reports-'));
    await writeFile(path.join(dir, 'eval-a.json'), JSON.stringify({ command: 'strata eval rerank --index x', systems: [], queries: 2, date: '2026-01-02T00:00:00.000Z' }));
    await writeFile(path.join(dir, 'broken.json'), '{ not json');
    await writeFile(path.join(dir, 'notes.md'), '# not a report');
    await mkdir(path.join(dir, 'sub.json'));
    const { reports } = await listReports(dir);
    // Newest first: the unreadable file by its modification time (now), the report by its own (older) date.
    expect(reports.map((r) => [r.name, r.kind, r.command])).toEqual([
      ['broken', 'other', null],
      ['eval-a', 'eval-rerank', 'strata eval rerank --index x'],
    ]);
    expect(reports.find((r) => r.name === 'eval-a')!.date).toBe('2026-01-02T00:00:00.000Z');
    expect((await readReport(dir, 'eval-a')).report).toMatchObject({ queries: 2 });
    for (const name of ['../eval-a', 'a/b', '.hidden', '']) {
      await expect(readReport(dir, name)).rejects.toMatchObject({ code: 'validation', status: 400 });
    }
    await expect(readReport(dir, 'nope')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(readReport(dir, 'broken')).rejects.toBeInstanceOf(StrataError);
    expect((await listReports(path.join(dir, 'absent'))).reports).toEqual([]);
  });

  it('records the command line that wrote a report, as one would type it again', async () => {
    expect(commandLine(['node', '/repo/service/cli/main.ts', 'eval', 'rerank', '--data', 'my data', '--index', 'products'], '/repo')).toBe("strata eval rerank --data 'my data' --index products");
    expect(commandLine(['node', '/repo/training/scripts/banking77.ts', '--skip-full'], '/repo')).toBe('npx tsx training/scripts/banking77.ts --skip-full');
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-report-cmd-'));
    await writeReport(dir, 'r', { a: 1 }, '');
    await writeReport(dir, 'kept', { command: 'given', a: 1 }, '');
    expect(JSON.parse(await readFile(path.join(dir, 'r.json'), 'utf8'))).toEqual({ command: commandLine(), a: 1 });
    expect(JSON.parse(await readFile(path.join(dir, 'kept.json'), 'utf8')).command).toBe('given');
  });
});

describe('facets and photos', () => {
  it('sums category paths into their parents', () => {
    expect(withParents([{ value: 'a/b/c', count: 3 }, { value: 'a/b/d', count: 2 }, { value: 'e', count: 1 }])).toEqual([
      { value: 'a', count: 5 },
      { value: 'a/b', count: 5 },
      { value: 'a/b/c', count: 3 },
      { value: 'a/b/d', count: 2 },
      { value: 'e', count: 1 },
    ]);
  });

  it('serves local photos only by absolute path or file URL; URLs are the browser’s', () => {
    expect(photoSource('/data/img/7.jpg')).toEqual({ file: '/data/img/7.jpg' });
    expect(photoSource('file:///data/img/7.jpg')).toEqual({ file: '/data/img/7.jpg' });
    expect(photoSource('https://cdn.example/7.jpg')).toEqual({ url: 'https://cdn.example/7.jpg' });
    expect(photoSource('images/7.jpg')).toBeNull();
    expect(photoSource(42)).toBeNull();
  });
});
