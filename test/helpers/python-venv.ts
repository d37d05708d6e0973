/**
 * A virtualenv with one pinned PyPI package, made once in the repository's git-ignored `.cache/test-venvs/`, for tests
 * that drive a real Python client. Throws when it cannot be made (no `python3 -m venv`, no PyPI); tests skip then.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The venv's python, with `pkg==version` installed (and importable as `module`).
 *
 * @example const python = await pythonVenv('cohere', '7.3.1', 'cohere');
 */
export async function pythonVenv(pkg: string, version: string, module: string): Promise<string> {
  const dir = path.resolve(import.meta.dirname, '../../.cache/test-venvs', `${pkg}-${version}`);
  const bin = path.join(dir, 'bin', 'python');
  if (existsSync(bin) && (await run(bin, ['-c', `import ${module}`]).then(() => true, () => false))) return bin;
  await run('python3', ['-m', 'venv', dir], { timeout: 120_000 });
  await run(bin, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `${pkg}==${version}`], { timeout: 300_000 });
  return bin;
}
