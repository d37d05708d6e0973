import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../service/errors.ts';
import { parseProperties, planPlugins, readPluginZip, type PluginZip } from '../../service/es/manage/plugins.ts';
import { makeZip } from './es-fixtures.ts';

const descriptor = (version: string) =>
  `# a comment\ndescription=Strata rescorer\nversion=0.1.0\nname=strata\nclassname=dev.strata.StrataPlugin\njava.version=21\nelasticsearch.version=${version}\n`;

describe('parseProperties', () => {
  it('reads key=value and key: value, skipping comments and blanks', () => {
    expect(parseProperties('# c\n! c2\n\nname=strata\nversion : 1.0\nclassname=a.b.C\n')).toEqual({ name: 'strata', version: '1.0', classname: 'a.b.C' });
  });
});

describe('planPlugins', () => {
  const zip = (sha256: string): PluginZip => ({ zip: '/p/strata.zip', name: 'strata', sha256 });

  it('installs a plugin that is not in the home', () => {
    expect(planPlugins([zip('a')], {}, [])).toEqual({ install: [zip('a')], remove: [] });
  });

  it('skips a plugin whose zip is unchanged', () => {
    expect(planPlugins([zip('a')], { strata: { sha256: 'a', zip: '/p/strata.zip' } }, ['strata'])).toEqual({ install: [], remove: [] });
  });

  it('removes and reinstalls a plugin whose zip changed, or that was installed by someone else', () => {
    expect(planPlugins([zip('b')], { strata: { sha256: 'a', zip: '/p/strata.zip' } }, ['strata'])).toEqual({ install: [zip('b')], remove: ['strata'] });
    expect(planPlugins([zip('b')], {}, ['strata'])).toEqual({ install: [zip('b')], remove: ['strata'] });
  });

  it('reinstalls when the record says installed but the home lost it (a fresh unpack)', () => {
    expect(planPlugins([zip('a')], { strata: { sha256: 'a', zip: '/p/strata.zip' } }, [])).toEqual({ install: [zip('a')], remove: [] });
  });

  it('leaves plugins that were not asked for alone', () => {
    expect(planPlugins([], { other: { sha256: 'x', zip: '/o.zip' } }, ['other'])).toEqual({ install: [], remove: [] });
  });
});

describe('readPluginZip', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-plugin-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as StrataError);

  it('reads the name from the descriptor and hashes the zip', async () => {
    const bytes = makeZip([{ name: 'plugin-descriptor.properties', content: descriptor('9.5.3') }, { name: 'strata.jar', content: 'jar' }]);
    const file = path.join(dir, 'good.zip');
    await writeFile(file, bytes);
    expect(await readPluginZip(file, '9.5.3')).toEqual({ zip: file, name: 'strata', sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('refuses a zip that does not exist, with a clear error', async () => {
    const err = await failure(readPluginZip(path.join(dir, 'missing.zip'), '9.5.3'));
    expect(err).toBeInstanceOf(StrataError);
    expect(err?.code).toBe('es_plugin_failed');
    expect(err?.message).toBe(`Elasticsearch plugin ${path.join(dir, 'missing.zip')}: no such file`);
  });

  it('refuses a relative path', async () => {
    expect((await failure(readPluginZip('plugin.zip', '9.5.3')))?.message).toMatch(/absolute path/);
  });

  it('refuses a zip without a plugin descriptor, and a file that is not a zip', async () => {
    const noDescriptor = path.join(dir, 'nodesc.zip');
    await writeFile(noDescriptor, makeZip([{ name: 'strata.jar', content: 'jar' }]));
    expect((await failure(readPluginZip(noDescriptor, '9.5.3')))?.message).toMatch(/no plugin-descriptor\.properties/);
    const text = path.join(dir, 'text.zip');
    await writeFile(text, 'hello');
    expect((await failure(readPluginZip(text, '9.5.3')))?.message).toMatch(/not a readable zip/);
  });

  it('refuses a plugin built for another Elasticsearch version (ES would refuse it later, less clearly)', async () => {
    const file = path.join(dir, 'old.zip');
    await writeFile(file, makeZip([{ name: 'plugin-descriptor.properties', content: descriptor('9.3.0') }]));
    expect((await failure(readPluginZip(file, '9.5.3')))?.message).toMatch(/built for Elasticsearch 9\.3\.0, this node is 9\.5\.3/);
  });
});
