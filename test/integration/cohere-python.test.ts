/**
 * The Python `cohere` SDK (v1 `Client.rerank`, v2 `ClientV2.rerank`) against the service on a real port. The SDK is
 * installed once from PyPI into a virtualenv in the repository's git-ignored `.cache/test-venvs/cohere-<version>`;
 * where it cannot be installed (no `python3 -m venv`, no PyPI), the test is skipped and says why.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { start, type RunningService } from '../../service/app/start.ts';
import { pythonVenv } from '../helpers/python-venv.ts';

const run = promisify(execFile);
const COHERE_PY = '7.3.1';
const SCRIPT = path.resolve(import.meta.dirname, '../fixtures/cohere_python_client.py');

let service: RunningService | undefined;
let python: string | undefined;
let unavailable = '';

beforeAll(async () => {
  const headsDir = await mkdtemp(path.join(tmpdir(), 'strata-cohere-py-heads-'));
  const config = loadConfig({ STRATA_ES_URL: inject('esUrl'), STRATA_PORT: '0', STRATA_POOL_THREADS: '1', STRATA_HEADS_DIR: headsDir, STRATA_LOG_REQUESTS: 'false' });
  try {
    python = await pythonVenv('cohere', COHERE_PY, 'cohere');
  } catch (err) {
    unavailable = `the Python cohere SDK could not be installed: ${(err as Error).message.split('\n')[0]}`;
    return;
  }
  service = await start(config);
}, 600_000);

afterAll(async () => {
  await service?.close();
});

describe(`Python cohere ${COHERE_PY}`, () => {
  it('reranks through Client (v1) and ClientV2 (v2); the raw bodies validate strictly against its pydantic models', async (ctx) => {
    if (unavailable) ctx.skip(unavailable);
    const { stdout } = await run(python!, [SCRIPT, service!.url], { timeout: 120_000 });
    const out = JSON.parse(stdout) as {
      v1: Array<[number, number, string | null]>;
      v1_version: string;
      objects: number[];
      warnings: string[];
      v2: Array<[number, number]>;
      v2_version: string;
    };
    expect(out.v1.map(([index]) => index)).toEqual([1, 2]);
    expect(out.v1[0]![2]).toBe('A quiet dishwasher that runs at 42 dB, with a third rack.');
    expect(out.v1_version).toBe('1');
    expect(out.objects).toEqual([1, 0]);
    expect(out.warnings).toEqual([expect.stringMatching(/^documents\.0\.price: .*ignored as metadata$/)]);
    expect(out.v2.map(([index]) => index)).toEqual([1, 2]);
    expect(out.v2_version).toBe('2');
  });
});
