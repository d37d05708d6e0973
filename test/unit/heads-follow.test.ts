/**
 * Replicas following each other's head reloads: two real head stores over one directory (as two service processes
 * sharing a volume), real artifacts.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { featureNames } from '../../service/features/assemble.ts';
import { followReloads, readGeneration, RELOAD_FILE, type FollowingHeadStore } from '../../service/heads/follow-reloads.ts';
import { builtinRerankHead, openHeadStore } from '../../service/heads/store.ts';

const rerankFeatures = featureNames({ textEncoders: ['text/chargram'] });
const open: FollowingHeadStore[] = [];

async function replica(dir: string, intervalMs: number, log: (m: string) => void = () => undefined): Promise<FollowingHeadStore> {
  const store = await followReloads(await openHeadStore({ dir, rerankFeatures }), { dir, intervalMs, log });
  open.push(store);
  return store;
}

const writeHead = (dir: string, version: string) =>
  writeFile(path.join(dir, 'default.json'), JSON.stringify({ ...builtinRerankHead(rerankFeatures), version }));

const versionOf = (store: FollowingHeadStore) => store.get('default').artifact.version;

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe('followReloads', () => {
  it('reloads a replica when another one reloaded, and only then', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-follow-'));
    const [a, b] = [await replica(dir, 0), await replica(dir, 0)];
    await writeHead(dir, 'v2');
    expect(await b.poll()).toBe(false); // a new artifact alone is not served: as on one replica, it needs a reload
    expect(versionOf(b)).toBe('builtin-1');
    await a.reload();
    expect(versionOf(a)).toBe('v2');
    expect(await readGeneration(dir)).not.toBe('');
    expect(await a.poll()).toBe(false); // its own announcement does not reload it again
    expect(await b.poll()).toBe(true);
    expect(versionOf(b)).toBe('v2');
    expect(await b.poll()).toBe(false); // once per generation, and B's follow-up does not announce (no ping-pong)
    expect(await a.poll()).toBe(false);
  });

  it('follows within one poll interval on its own timer', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-follow-'));
    const a = await replica(dir, 0);
    const b = await replica(dir, 100);
    await writeHead(dir, 'v3');
    await a.reload();
    const reloadedAt = performance.now();
    while (versionOf(b) !== 'v3' && performance.now() - reloadedAt < 5_000) await new Promise((r) => setTimeout(r, 10));
    expect(versionOf(b)).toBe('v3');
    // One interval plus the load itself; generous for a loaded CI machine.
    expect(performance.now() - reloadedAt).toBeLessThan(1_500);
  });

  it('keeps the previous head on a replica that follows a reload of a broken artifact, and says so', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-follow-'));
    await writeHead(dir, 'v4');
    const logs: string[] = [];
    const [a, b] = [await replica(dir, 0), await replica(dir, 0, (m) => logs.push(m))];
    await writeFile(path.join(dir, 'default.json'), '{"format": "strata-head/1", "type": ');
    const { refused } = await a.reload();
    expect(refused).toHaveLength(1);
    expect(await b.poll()).toBe(true);
    expect(versionOf(b)).toBe('v4');
    expect(logs.join('\n')).toMatch(/default\.json/);
  });

  it('still serves when the head directory cannot be written, warning once that others will not follow', async () => {
    // A path under a regular file: no one, not even root, can create it.
    const base = await mkdtemp(path.join(tmpdir(), 'strata-follow-'));
    await writeFile(path.join(base, 'file'), '');
    const dir = path.join(base, 'file', 'heads');
    const logs: string[] = [];
    const a = await replica(dir, 0, (m) => logs.push(m));
    expect((await a.reload()).loaded).toEqual(['default', 'default-inline']);
    await a.reload();
    expect(versionOf(a)).toBe('builtin-1');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/could not announce the reload .* other replicas will not follow it/);
  });

  it('writes the generation whole (a reader never sees half a file)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-follow-'));
    const a = await replica(dir, 0);
    await a.reload();
    const parsed = JSON.parse(await readFile(path.join(dir, RELOAD_FILE), 'utf8')) as Record<string, unknown>;
    expect(parsed).toMatchObject({ generation: await readGeneration(dir), pid: process.pid });
  });
});
