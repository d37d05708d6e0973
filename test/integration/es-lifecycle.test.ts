/**
 * The managed Elasticsearch the global setup provides: healthy, the pinned version, and `start` idempotent.
 */
import { describe, expect, inject, it } from 'vitest';
import { ES_VERSION, loadConfig } from '../../service/config.ts';
import { StrataError } from '../../service/errors.ts';
import { esStatus, fetchVersion, localUrl, startElasticsearch } from '../../service/es/manage/index.ts';

const esUrl = inject('esUrl');
const config = loadConfig();

async function getJson(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${esUrl}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('the local Elasticsearch', () => {
  it('is a healthy single node', async () => {
    const health = await getJson('/_cluster/health');
    expect(['green', 'yellow']).toContain(health.status);
    expect(health.number_of_nodes).toBe(1);
  });

  it(`runs the pinned version ${ES_VERSION}`, async () => {
    expect(await fetchVersion(esUrl)).toBe(ES_VERSION);
  });

  it('has security off explicitly (the local default), so no credentials are needed', async () => {
    const body = await getJson('/_nodes/_local/settings?filter_path=nodes.*.settings.xpack.security.enabled');
    const nodes = Object.values((body as { nodes: Record<string, { settings: { xpack: { security: { enabled: string } } } }> }).nodes);
    expect(nodes.map((n) => n.settings.xpack.security.enabled)).toEqual(['false']);
  });

  it('answers esStatus and an idempotent start without relaunching', async () => {
    const url = localUrl(config);
    if (url !== esUrl) return; // a node that strata does not manage: nothing to check here
    const before = await esStatus(config);
    expect(before).toMatchObject({ running: true, url, version: ES_VERSION });
    expect(['green', 'yellow']).toContain(before.health);
    const again = await startElasticsearch(config, { log: () => undefined });
    expect(again.alreadyRunning).toBe(true);
    expect(again.pid).toBe(before.pid);
  });

  it('refuses a plugin zip that does not exist before touching the running node', async () => {
    const missing = '/nonexistent/strata-plugin.zip';
    const err = await startElasticsearch(config, { plugins: [missing], log: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as StrataError).message).toBe(`Elasticsearch plugin ${missing}: no such file`);
    expect(['green', 'yellow']).toContain((await getJson('/_cluster/health')).status);
  });
});
