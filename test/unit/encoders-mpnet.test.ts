import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEncoder, encoderSpec, listEncoderSpecs, vectorField } from '../../service/encoders/registry.ts';

let empty: string;
beforeAll(async () => {
  empty = await mkdtemp(path.join(os.tmpdir(), 'strata-no-models-'));
});
afterAll(async () => {
  await rm(empty, { recursive: true, force: true });
});

describe('text/mpnet in the registry', () => {
  it('is registered (fp32 and int8) with 768 dims and its own vector field', () => {
    expect(listEncoderSpecs().map((s) => s.id)).toEqual(expect.arrayContaining(['text/mpnet', 'text/mpnet-int8']));
    for (const id of ['text/mpnet', 'text/mpnet-int8']) {
      expect(encoderSpec(id)).toMatchObject({ modality: 'text', dim: 768 });
    }
    expect(encoderSpec('text/mpnet-int8').options).toEqual({ variant: 'int8' });
    expect(vectorField('text/mpnet-int8')).toBe('vec_text_mpnet_int8');
  });

  it('is not among the default text encoders', () => {
    expect(loadConfig({}).retrieval.textEncoders).not.toContain('text/mpnet');
  });

  it('fails naming the missing graph and the command that prepares it', async () => {
    await expect(createEncoder('text/mpnet', { modelsDir: empty })).rejects.toThrow(/all-mpnet-base-v2: onnx\/model\.onnx\. text\/mpnet needs `npx strata models prepare-mpnet`/);
    await expect(createEncoder('text/mpnet-int8', { modelsDir: empty })).rejects.toThrow(/onnx\/model_int8\.onnx\. text\/mpnet needs `npx strata models prepare-mpnet`/);
  });
});
