/** A model file that differs from its manifest (size or sha256) is refused, naming it; unlisted files pass. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFiles, writeManifest } from '../../service/models/manifest.ts';
import { verifyModelFile } from '../../service/models/verify.ts';

describe('verifyModelFile', () => {
  it('checks a file against the manifest of its model folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-model-'));
    await mkdir(path.join(dir, 'onnx'));
    const file = path.join(dir, 'onnx', 'model.onnx');
    const bytes = Buffer.alloc(4096, 7);
    await writeFile(file, bytes);
    await writeManifest(dir, { name: 'm', source: {}, createdAt: '', files: await describeFiles(dir, ['onnx/model.onnx']) });
    await expect(verifyModelFile(file)).resolves.toBeUndefined();

    // Same size, some bytes zeroed: only the hash can tell.
    bytes.fill(0, 1000, 2000);
    await writeFile(file, bytes);
    await expect(verifyModelFile(file)).rejects.toMatchObject({ code: 'model_corrupt', message: expect.stringMatching(/model\.onnx does not match its manifest \(sha256 /) });
    await writeFile(file, Buffer.alloc(10));
    await expect(verifyModelFile(file)).rejects.toThrow(/10 bytes, the manifest says 4096/);

    const unlisted = path.join(dir, 'onnx', 'other.onnx');
    await writeFile(unlisted, 'x');
    await expect(verifyModelFile(unlisted)).resolves.toBeUndefined();
  });
});
