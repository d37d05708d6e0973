/**
 * Failing dependencies give specific errors: the service refuses to start with a corrupt model and names the
 * file; an Elasticsearch that accepts connections but never answers is a 504 naming the URL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { start } from '../../service/app/start.ts';
import { createEsClient } from '../../service/es/client.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { DEFAULT_MINILM_VARIANT, modelDir, ONNX_FILES } from '../../service/models/paths.ts';
import { MINILM } from '../../service/models/prepare-minilm.ts';
import { makeApp } from '../helpers/app.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { json, postJson } from '../helpers/http.ts';

const esUrl = inject('esUrl');

describe('faults', () => {
  it('refuses to start with a corrupt ONNX file and names it', async () => {
    const real = loadConfig();
    const modelsDir = await mkdtemp(path.join(tmpdir(), 'strata-models-'));
    const dir = modelDir(modelsDir, MINILM.name);
    await cp(modelDir(real.modelsDir, MINILM.name), dir, { recursive: true, filter: (src) => !src.endsWith('.onnx') && !src.endsWith('.safetensors') });
    await mkdir(path.join(dir, 'onnx'), { recursive: true });
    // The graph `text/minilm` runs by default.
    const graph = path.join(dir, 'onnx', ONNX_FILES[DEFAULT_MINILM_VARIANT]);
    await writeFile(graph, Buffer.from('this is not a protobuf model'));
    const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_MODELS_DIR: modelsDir, STRATA_PORT: '0' });
    await expect(start(config)).rejects.toThrow(new RegExp(`${graph.replace(/[/.]/g, '\\$&')}`));
  });

  it('refuses to start with a model whose bytes differ from its manifest (1 MB zeroed), naming the file', async () => {
    const real = loadConfig();
    const modelsDir = await mkdtemp(path.join(tmpdir(), 'strata-models-'));
    const dir = modelDir(modelsDir, MINILM.name);
    await cp(modelDir(real.modelsDir, MINILM.name), dir, { recursive: true, filter: (src) => !src.endsWith('.safetensors') });
    const file = path.join(dir, 'onnx', ONNX_FILES[DEFAULT_MINILM_VARIANT]);
    const bytes = await readFile(file);
    bytes.fill(0, 40 << 20, 41 << 20);
    await writeFile(file, bytes);
    const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_MODELS_DIR: modelsDir, STRATA_PORT: '0', STRATA_HEADS_DIR: path.join(modelsDir, 'heads') });
    const err = await start(config).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain(`Model file ${file} does not match its manifest (sha256 `);
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('survives a request aborted while its texts are inside onnxruntime, and keeps serving', async () => {
    const config = loadConfig();
    const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
    try {
      await pool.warm('text/minilm');
      const ac = new AbortController();
      const long = Array.from({ length: 64 }, (_, i) => `passage ${i} `.repeat(120));
      const pending = pool.encode('text/minilm', long, { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      await expect(pending).rejects.toMatchObject({ code: 'aborted' });
      const after = await pool.encode('text/minilm', ['still alive']);
      expect(after.count).toBe(1);
      expect(after.errors).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('answers 504 naming the URL when Elasticsearch never answers', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = http.createServer(() => undefined);
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const config = loadConfig({ STRATA_ES_URL: url, STRATA_TEXT_ENCODERS: 'text/chargram' });
    const es = createEsClient({ url, timeoutMs: 300 });
    const pool = createEncoderPool({ threads: 1 });
    try {
      const { app } = await makeApp({ config, es, pool });
      const res = await postJson(app, '/v1/search', { query: 'fridge', mode: 'bm25', rerank: false });
      expect(res.status).toBe(504);
      const body = await json(res);
      expect(body.error.code).toBe('es_timeout');
      expect(body.error.message).toContain(url);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      await pool.close();
      await es.close();
    }
  });
});
