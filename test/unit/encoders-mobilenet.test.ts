import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createMobileNetEncoder, MOBILENET_SPEC, type MobileNetEncoder } from '../../service/encoders/mobilenet.ts';
import { rowOf, type EncodedBatch } from '../../service/encoders/types.ts';
import { decodeModel } from '../../service/models/convert/onnx-proto.ts';
import { addGraphOutputs } from '../../service/models/onnx-outputs.ts';
import { prepareMobileNet } from '../../service/models/prepare-mobilenet.ts';

// The real MobileNetV2 (../shared/models) on real catalogue photos (../shared/data/fashion-products).
const DATA = path.resolve(import.meta.dirname, '../../../shared/data/fashion-products');
const SOURCE = loadConfig({}).models.imageModel;
const styles = readFileSync(path.join(DATA, 'styles.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','));
const imagesOf = (articleType: string, n = 10) =>
  styles.filter((r) => r[4] === articleType).slice(0, n).map((r) => path.join(DATA, 'images', `${r[0]}.jpg`));

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const isZero = (v: Float32Array) => v.every((x) => x === 0);

let modelsDir: string;
let tmp: string;
let enc: MobileNetEncoder;
beforeAll(async () => {
  modelsDir = await mkdtemp(path.join(os.tmpdir(), 'strata-mobilenet-models-'));
  tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-mobilenet-'));
  enc = await createMobileNetEncoder({ modelsDir, sourceModel: SOURCE, batchSize: 8 });
});
afterAll(async () => {
  await enc?.dispose?.();
  await rm(modelsDir, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
});

describe('addGraphOutputs', () => {
  it('adds an intermediate value as an output and keeps every other byte of the model', async () => {
    const bytes = await readFile(SOURCE);
    const out = addGraphOutputs(bytes, ['627']);
    const graph = decodeModel(out).graph as { output: Array<{ name: string }>; node: unknown[] };
    expect(graph.output.map((o) => o.name)).toEqual(['output', '627']);
    expect(graph.node.length).toBe((decodeModel(bytes).graph as { node: unknown[] }).node.length);
    expect(out.length).toBeGreaterThan(bytes.length);
    expect(out.length - bytes.length).toBeLessThan(32);
    expect(addGraphOutputs(out, ['627', 'output'])).toBe(out);
    expect(() => addGraphOutputs(bytes, ['no-such-value'], 'm.onnx')).toThrow(/m\.onnx.*no node produces a value named "no-such-value"/);
    expect(() => addGraphOutputs(bytes.subarray(0, 1000), ['627'], 'cut.onnx')).toThrow(/cut\.onnx/);
  });

  it('prepares the feature model once and skips it afterwards', async () => {
    const again = await prepareMobileNet({ modelsDir, sourceModel: path.dirname(SOURCE) });
    expect(again).toMatchObject({ skipped: true, file: path.join(modelsDir, 'mobilenetv2-12-int8-features', 'model.onnx') });
    const meta = JSON.parse(await readFile(path.join(again.dir, 'meta.json'), 'utf8')) as { outputs: string[] };
    expect(meta.outputs).toContain('627');
    const empty = await mkdtemp(path.join(tmp, 'models-'));
    await expect(prepareMobileNet({ modelsDir: empty, sourceModel: path.join(tmp, 'absent.onnx') })).rejects.toThrow(/model\.onnx.*STRATA_IMAGE_MODEL/);
  });
});

describe('image/mobilenet', () => {
  it('returns unit 1280-d vectors', async () => {
    const files = imagesOf('Watches', 3);
    const batch = await enc.encode(files);
    expect(enc.spec).toMatchObject({ ...MOBILENET_SPEC, dim: 1280 });
    expect(batch).toMatchObject({ dim: 1280, count: 3, errors: [] });
    for (let i = 0; i < 3; i++) expect(Math.sqrt(dot(rowOf(batch, i), rowOf(batch, i)))).toBeCloseTo(1, 5);
    // Batching does not change a row.
    const alone = await enc.encode([files[1]!]);
    expect(dot(rowOf(alone, 0), rowOf(batch, 1))).toBeGreaterThan(0.9999);
  });

  it('puts images of one article type closer together than images of different master categories', async () => {
    const shoes = await enc.encode(imagesOf('Casual Shoes')); // Footwear
    const shirts = await enc.encode(imagesOf('Shirts')); // Apparel
    expect(shoes.errors).toEqual([]);
    expect(shirts.errors).toEqual([]);
    const mean = (a: EncodedBatch, b: EncodedBatch, same: boolean) => {
      const sims: number[] = [];
      for (let i = 0; i < a.count; i++) for (let j = same ? i + 1 : 0; j < b.count; j++) sims.push(dot(rowOf(a, i), rowOf(b, j)));
      return sims.reduce((s, v) => s + v, 0) / sims.length;
    };
    const intra = (mean(shoes, shoes, true) + mean(shirts, shirts, true)) / 2;
    const inter = mean(shoes, shirts, false);
    console.log(`mobilenet: mean cosine within article type ${intra.toFixed(3)}, across master categories ${inter.toFixed(3)}`);
    expect(intra).toBeGreaterThan(inter + 0.1);
  });

  it('classifies a clear product photo as a sensible ImageNet class', async () => {
    const { classes, errors } = await enc.classify(imagesOf('Sunglasses', 3), 3);
    expect(errors).toEqual([]);
    for (const top of classes) expect(['sunglass', 'sunglasses']).toContain(top![0]!.label);
  });

  it('gives a corrupt, truncated, non-image or missing input a zero row and an error naming it, and encodes the rest', async () => {
    const [good1, good2] = imagesOf('Tshirts', 2) as [string, string];
    const garbage = path.join(tmp, 'garbage.jpg');
    await writeFile(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const truncated = path.join(tmp, 'truncated.jpg');
    const full = await readFile(good1);
    await writeFile(truncated, full.subarray(0, Math.floor(full.length / 2)));
    const text = path.join(tmp, 'notes.png');
    await writeFile(text, 'this is not a picture\n');
    const missing = path.join(tmp, 'missing.jpg');
    const svg = path.join(tmp, 'drawing.svg');
    await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');

    const inputs = [good1, garbage, truncated, text, missing, svg, good2, 42 as unknown as string];
    const batch = await enc.encode(inputs);
    expect(batch.count).toBe(inputs.length);
    expect(batch.errors.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 7]);
    const message = (i: number) => batch.errors.find((e) => e.index === i)!.message;
    expect(message(1)).toContain(garbage);
    expect(message(2)).toContain(truncated);
    expect(message(3)).toContain(text);
    expect(message(4)).toBe(`${missing}: file not found`);
    expect(message(5)).toMatch(/drawing\.svg: unsupported image format "svg"/);
    expect(message(7)).toMatch(/expected a path, a URL or bytes/);
    for (const i of [1, 2, 3, 4, 5, 7]) expect(isZero(rowOf(batch, i))).toBe(true);
    const clean = await enc.encode([good1, good2]);
    expect(dot(rowOf(batch, 0), rowOf(clean, 0))).toBeGreaterThan(0.9999);
    expect(dot(rowOf(batch, 6), rowOf(clean, 1))).toBeGreaterThan(0.9999);
  });

  it('reads bytes and http(s) URLs (with a size cap and a timeout)', async () => {
    const file = imagesOf('Handbags', 1)[0]!;
    const bytes = await readFile(file);
    const server: Server = createServer((req, res) => {
      // Without a content-length (chunked): the cap has to count the bytes as they arrive.
      if (req.url === '/bag.jpg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(bytes);
      else if (req.url === '/sized.jpg') res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      else if (req.url === '/slow.jpg') setTimeout(() => res.writeHead(200).end(bytes), 2000).unref();
      else res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const strict = await createMobileNetEncoder({ modelsDir, fetchTimeoutMs: 300, maxBytes: bytes.length });
      const batch = await strict.encode([file, bytes, `${base}/bag.jpg`, `${base}/gone.jpg`, `${base}/slow.jpg`]);
      expect(batch.errors).toEqual([
        { index: 3, message: `${base}/gone.jpg: HTTP 404` },
        { index: 4, message: `${base}/slow.jpg: no complete response within 300 ms` },
      ]);
      expect(dot(rowOf(batch, 0), rowOf(batch, 1))).toBeGreaterThan(0.9999);
      expect(dot(rowOf(batch, 0), rowOf(batch, 2))).toBeGreaterThan(0.9999);
      const tiny = await createMobileNetEncoder({ modelsDir, maxBytes: 100 });
      const capped = await tiny.encode([`${base}/bag.jpg`, `${base}/sized.jpg`, file]);
      expect(capped.errors.map((e) => e.message)).toEqual([
        `${base}/bag.jpg: response exceeds the 100 bytes allowed`,
        `${base}/sized.jpg: response is ${bytes.length} bytes, more than the 100 allowed`,
        `${file}: file is ${bytes.length} bytes, more than the 100 allowed`,
      ]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('encodes real images at a measurable rate', async () => {
    const files = styles.slice(0, 64).map((r) => path.join(DATA, 'images', `${r[0]}.jpg`));
    const started = performance.now();
    const batch = await enc.encode(files);
    const seconds = (performance.now() - started) / 1000;
    expect(batch.errors).toEqual([]);
    console.log(`mobilenet: ${files.length} images in ${seconds.toFixed(2)} s = ${(files.length / seconds).toFixed(1)} images/s (1 thread, batch 8)`);
  });
});
