/**
 * The Docker setup, checked without a Docker engine (there is none here): `docker-compose.yml` with the compose
 * client's own `config -q` (Debian's docker-compose, installed by .ci/run), with and without a .env file; both
 * Dockerfiles parsed with dockerfile-ast (base images pinned, every COPY source present in its build context, the
 * Elasticsearch image on the plugin's exact version); and the Elasticsearch container's entrypoint script run for
 * real (password generated once and kept, or taken from ELASTIC_PASSWORD). The service's entrypoint is run against
 * the real Elasticsearch in test/integration/docker-entrypoint.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DockerfileParser, type Copy } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { ES_VERSION } from '../../service/config.ts';

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

function composeConfig(envFile: string, extra: string[] = []) {
  const [cmd, ...pre] = compose!;
  return spawnSync(cmd!, [...pre, '--env-file', envFile, 'config', ...extra], { cwd: root, encoding: 'utf8' });
}

describe.skipIf(!compose)('docker-compose.yml (compose client)', () => {
  it('is valid with the example env file', () => {
    const [cmd, ...pre] = compose!;
    expect(() => execFileSync(cmd!, [...pre, '--env-file', '.env.example', 'config', '-q'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });

  it('is valid from a clean clone (no .env): the password is generated, not required', () => {
    const empty = path.join(mkdtempSync(path.join(tmpdir(), 'strata-compose-')), 'empty.env');
    writeFileSync(empty, '');
    const r = composeConfig(empty);
    expect(r.stderr).not.toMatch(/ELASTIC_PASSWORD/);
    expect(r.status).toBe(0);
    expect(composeConfig(empty, ['--services']).stdout.trim().split('\n').sort()).toEqual(['elasticsearch', 'strata']);
    // The resolved file: the service waits for a healthy Elasticsearch and reads the shared password file.
    expect(r.stdout).toMatch(/condition: service_healthy/);
    expect(r.stdout).toMatch(/--es-password-file/);
    expect(r.stdout).toMatch(/strata-secrets:\/run\/strata-secrets:ro/);
  });
});

interface Stage {
  image: string;
  name: string | null;
}

/** The FROM lines of a Dockerfile with global ARG defaults substituted, and the COPY sources that come from the context. */
function readDockerfile(file: string): { stages: Stage[]; contextSources: string[]; entrypoint: string } {
  const d = DockerfileParser.parse(readFileSync(file, 'utf8'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const contextSources: string[] = [];
  let entrypoint = '';
  for (const ins of d.getInstructions()) {
    const kw = ins.getKeyword();
    const values = ins.getArguments().map((a) => a.getValue());
    if (kw === 'ARG' && stages.length === 0) {
      const [k, v] = values[0]!.split('=');
      args.set(k!, v ?? '');
    } else if (kw === 'FROM') {
      const image = values[0]!.replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '');
      stages.push({ image, name: values[2] ?? null });
    } else if (kw === 'COPY' && !(ins as Copy).getFlags().some((f) => f.getName() === 'from')) {
      const sources = values.slice(0, -1);
      contextSources.push(...sources);
    } else if (kw === 'ENTRYPOINT') {
      entrypoint = ins.getArgumentsContent() ?? '';
    }
  }
  return { stages, contextSources, entrypoint };
}

/** An image reference pinned to an exact version (x.y.z in the tag) or a digest. */
const pinned = (image: string) => /@sha256:[0-9a-f]{64}$/.test(image) || /:\D*\d+\.\d+\.\d+/.test(image);

describe('Dockerfiles', () => {
  it('the service image: pinned Node base, models prepared in a build stage, every COPY source present', () => {
    const { stages, contextSources, entrypoint } = readDockerfile(path.join(root, 'Dockerfile'));
    const external = stages.filter((s) => !stages.some((o) => o.name === s.image));
    expect(external.length).toBeGreaterThan(0);
    for (const s of external) {
      expect(s.image).toMatch(/^node:20\.\d+\.\d+-bookworm-slim/);
      expect(pinned(s.image), s.image).toBe(true);
    }
    expect(stages.map((s) => s.name)).toEqual(['deps', 'models', 'runtime']);
    const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/python3-pip/);
    expect(text).toMatch(/training\/models\/prepare-minilm\.ts/);
    for (const src of contextSources) expect(existsSync(path.join(root, src)), src).toBe(true);
    // ... and not left out of the build context by .dockerignore.
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const src of contextSources) expect(ignored.filter((i) => src === i || src.startsWith(`${i}/`)), src).toEqual([]);
    expect(entrypoint).toContain('service/cli/docker-entrypoint.ts');
    expect(existsSync(path.join(root, 'service/cli/docker-entrypoint.ts'))).toBe(true);
  });

  it('the Elasticsearch image: digest-pinned bases, the plugin built with Maven, on the plugin\'s exact version', () => {
    const file = path.join(root, 'plugin/Dockerfile.es');
    const { stages, contextSources } = readDockerfile(file);
    const [maven, es] = stages;
    expect(maven!.image).toMatch(/^maven:.*temurin-21@sha256:[0-9a-f]{64}$/);
    expect(es!.image).toMatch(/^elasticsearch:(\d+\.\d+\.\d+)@sha256:[0-9a-f]{64}$/);
    const esVersion = /^elasticsearch:([\d.]+)@/.exec(es!.image)![1];
    const pomVersion = /<elasticsearch\.version>([^<]+)</.exec(readFileSync(path.join(root, 'plugin/pom.xml'), 'utf8'))![1];
    expect(esVersion).toBe(ES_VERSION);
    expect(pomVersion).toBe(ES_VERSION);
    for (const src of contextSources) expect(existsSync(path.join(root, 'plugin', src)), src).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/mvn -B -ntp -q -DskipTests package/);
  });
});

describe('plugin/docker-entrypoint-strata.sh (the Elasticsearch container entrypoint)', () => {
  /** Runs the script with a stand-in for the official entrypoint that prints what it was given. */
  function run(env: Record<string, string>) {
    const dir = mkdtempSync(path.join(tmpdir(), 'strata-es-entry-'));
    const next = path.join(dir, 'next.sh');
    writeFileSync(next, '#!/bin/sh\necho "next: $* password=$ELASTIC_PASSWORD api_key=${STRATA_API_KEY:-unset}"\n', { mode: 0o755 });
    return (secrets: string, more: Record<string, string> = {}) =>
      spawnSync('bash', [path.join(root, 'plugin/docker-entrypoint-strata.sh'), 'eswrapper'], {
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin', STRATA_SECRETS_DIR: secrets, STRATA_NEXT_ENTRYPOINT: next, ...env, ...more },
      });
  }

  it('generates a password on the first start, keeps it (mode 600) and reuses it on the next start', () => {
    const secrets = mkdtempSync(path.join(tmpdir(), 'strata-secrets-'));
    const start = run({});
    const first = start(secrets, { ELASTIC_PASSWORD: '' });
    expect(first.status).toBe(0);
    const file = path.join(secrets, 'elastic-password');
    const password = readFileSync(file, 'utf8');
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.stdout).toContain(`next: eswrapper password=${password} api_key=unset`);
    expect(first.stdout).toMatch(/generated the elastic password/);
    expect(first.stdout.split(password).length - 1).toBe(1); // printed only by the stand-in, never by the script

    const second = start(secrets);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`password=${password}`);
    expect(second.stdout).not.toMatch(/generated/);
  });

  it('takes ELASTIC_PASSWORD when set and writes it for the Strata container', () => {
    const secrets = mkdtempSync(path.join(tmpdir(), 'strata-secrets-'));
    const r = run({})(secrets, { ELASTIC_PASSWORD: 'from-dot-env' });
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(secrets, 'elastic-password'), 'utf8')).toBe('from-dot-env');
    expect(r.stdout).toContain('password=from-dot-env');
  });
});
