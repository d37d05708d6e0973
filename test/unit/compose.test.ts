/**
 * `docker-compose.yml` is for users (no Docker engine here); it is validated with the compose client's own
 * `config -q` when a client is installed, with `.env.example` as the env file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever answers. */
function composeCommand(): string[] | null {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (r.status === 0) return cmd;
  }
  return null;
}

const compose = composeCommand();

describe.skipIf(!compose)('docker-compose.yml', () => {
  it('is valid for the compose client, with the example env file', () => {
    const [cmd, ...pre] = compose!;
    expect(() => execFileSync(cmd!, [...pre, '--env-file', '.env.example', 'config', '-q'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });

  it('refuses to start without ELASTIC_PASSWORD', () => {
    const [cmd, ...pre] = compose!;
    const empty = path.join(mkdtempSync(path.join(tmpdir(), 'strata-compose-')), 'empty.env');
    writeFileSync(empty, 'STRATA_API_KEY=\n');
    const r = spawnSync(cmd!, [...pre, '--env-file', empty, 'config', '-q'], { cwd: root, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ELASTIC_PASSWORD/);
  });
});
