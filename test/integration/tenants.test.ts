/**
 * Tenants `acme` and `acme-corp` (one name a prefix of the other) on every route, heads included: each reaches
 * only its own indices (`<tenant>` and `<tenant>--*`) and its own heads plus the shared ones, and sees no server
 * path. The administrator sees everything.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasState } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { encodeChargrams } from '../../service/encoders/chargram.ts';
import { featureNames } from '../../service/features/assemble.ts';
import { builtinRerankHead } from '../../service/heads/store.ts';
import { trainLrHead } from '../../training/heads/train.ts';
import { json, postJson, type Json } from '../helpers/http.ts';
import { makeApp } from '../helpers/app.ts';

const esUrl = inject('esUrl');
const run = randomUUID().slice(0, 6);
const config = loadConfig({
  STRATA_ES_URL: esUrl,
  STRATA_TEXT_ENCODERS: 'text/chargram',
  STRATA_INDEX: `products${run}`,
  STRATA_API_KEYS: 'acme-key-0001:acme,corp-key-0001:acme-corp,root-key-0001:*',
});
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
const ACME = { authorization: 'Bearer acme-key-0001' };
const CORP = { authorization: 'Bearer corp-key-0001' };
const ROOT = { authorization: 'Bearer root-key-0001' };
const acmeIndex = `acme--products${run}`;
const corpIndex = `acme-corp--products${run}`;

let app: Awaited<ReturnType<typeof makeApp>>['app'];
let headsDir: string;

function classifyHead(name: string, labels: [string, string]) {
  const texts = ['reset my card pin', 'forgot pin code', 'change my pin', 'card not arrived', 'where is my card', 'card delivery late'];
  const emb = encodeChargrams(texts);
  const names = Array.from({ length: emb.dim }, (_, i) => `text/chargram#${i}`);
  return trainLrHead({ rows: emb.vectors, n: texts.length, names, labels: [0, 0, 0, 1, 1, 1] }, { name, task: 'classify', labels, encoders: ['text/chargram'] }, { steps: 100 });
}

const req = (method: string, p: string, headers: Record<string, string>) => Promise.resolve(app.request(p, { method, headers }));

beforeAll(async () => {
  ({ app, headsDir } = await makeApp({ config, es, pool }));
  const rerankFeatures = featureNames({ textEncoders: config.retrieval.textEncoders, interactionDims: 0 });
  await writeFile(path.join(headsDir, 'shared-intents.json'), JSON.stringify(classifyHead('shared-intents', ['shared-pin', 'shared-card'])));
  await writeFile(path.join(headsDir, 'acme--intents.json'), JSON.stringify(classifyHead('acme--intents', ['acme-pin', 'acme-card'])));
  await writeFile(path.join(headsDir, 'acme-corp--intents.json'), JSON.stringify(classifyHead('acme-corp--intents', ['corp-pin', 'corp-card'])));
  await writeFile(path.join(headsDir, 'acme-corp--default.json'), JSON.stringify({ ...builtinRerankHead(rerankFeatures), name: 'acme-corp--default', version: 'corp-1' }));
  await writeFile(path.join(headsDir, 'acme-corp--broken.json'), 'corp secret: do not show');
  expect((await req('POST', '/v1/models/reload', ROOT)).status).toBe(422);
  for (const [index, headers, id] of [[acmeIndex, ACME, 'a1'], [corpIndex, CORP, 'c1']] as const) {
    const res = await postJson(app, `/v1/indices/${index}/documents`, { documents: [{ id, title: `${id} quiet fridge` }], refresh: 'wait_for' }, headers);
    expect(res.status).toBe(200);
  }
});

afterAll(async () => {
  for (const alias of [acmeIndex, corpIndex]) {
    const { targets } = await aliasState(es, alias);
    if (targets.length) await es.indices.delete({ index: targets });
  }
  await pool.close();
  await es.close();
});

const expectForbidden = async (res: Response) => {
  expect(res.status).toBe(403);
  expect((await json(res)).error.code).toBe('forbidden');
};

describe('indices', () => {
  it('documents: acme cannot write, delete or bulk-delete in acme-corp--*, nor in an index named acme-corp', async () => {
    await expectForbidden(await postJson(app, `/v1/indices/${corpIndex}/documents`, { documents: [{ id: 'x', title: 'overwrite' }] }, ACME));
    await expectForbidden(await postJson(app, '/v1/indices/acme-corp/documents', { documents: [{ id: 'x', title: 'x' }] }, ACME));
    await expectForbidden(await postJson(app, '/v1/indices/acme-products/documents', { documents: [{ id: 'x', title: 'x' }] }, CORP));
    await expectForbidden(await req('DELETE', `/v1/indices/${corpIndex}/documents/c1`, ACME));
    await expectForbidden(await postJson(app, `/v1/indices/${corpIndex}/documents/_delete`, { ids: ['c1'] }, ACME));
    expect((await es.count({ index: corpIndex })).count).toBe(1);
    // acme-corp may not touch acme's either.
    await expectForbidden(await req('DELETE', `/v1/indices/${acmeIndex}/documents/a1`, CORP));
  });

  it('search: the default index is the tenant\'s own; another tenant\'s is refused', async () => {
    const own = await json(await postJson(app, '/v1/search', { query: 'quiet fridge' }, ACME));
    expect(own.hits.map((h: Json) => h.id)).toEqual(['a1']);
    const corp = await json(await postJson(app, '/v1/search', { query: 'quiet fridge' }, CORP));
    expect(corp.hits.map((h: Json) => h.id)).toEqual(['c1']);
    await expectForbidden(await postJson(app, '/v1/search', { query: 'quiet fridge', index: corpIndex }, ACME));
    const admin = await postJson(app, '/v1/search', { query: 'quiet fridge', index: corpIndex }, ROOT);
    expect(admin.status).toBe(200);
  });

  it('the web page\'s catalog routes: a tenant lists only its own indices; facets and the DSL of another\'s are refused', async () => {
    const listed = (await json(await req('GET', '/v1/indices', ACME))).indices.map((i: Json) => i.name);
    expect(listed).toContain(acmeIndex);
    expect(listed).not.toContain(corpIndex);
    expect(listed.every((n: string) => n === 'acme' || n.startsWith('acme--'))).toBe(true);
    const corpListed = (await json(await req('GET', '/v1/indices', CORP))).indices.map((i: Json) => i.name);
    expect(corpListed).toContain(corpIndex);
    expect(corpListed).not.toContain(acmeIndex);
    await expectForbidden(await req('GET', `/v1/indices/${corpIndex}/facets`, ACME));
    expect((await req('GET', `/v1/indices/${acmeIndex}/facets`, ACME)).status).toBe(200);
    await expectForbidden(await postJson(app, '/v1/search/dsl', { query: 'fridge', index: corpIndex }, ACME));
    await expectForbidden(await req('GET', `/v1/indices/${corpIndex}/documents/c1/photo`, ACME));
  });

  it('rerank by reference and through the rescorer\'s header: another tenant\'s index is refused', async () => {
    await expectForbidden(await postJson(app, '/v1/rerank', { query: 'fridge', index: corpIndex, ids: ['c1'] }, ACME));
    await expectForbidden(await postJson(app, '/v1/rerank', { query: 'fridge', documents: [{ id: 'c1', title: 'x' }] }, { ...ACME, 'x-strata-index': corpIndex }));
    const own = await postJson(app, '/v1/rerank', { query: 'fridge', index: acmeIndex, ids: ['a1'] }, ACME);
    expect(own.status).toBe(200);
  });
});

describe('heads', () => {
  it('classify: a tenant\'s own head comes first, the shared one is there, another tenant\'s is not', async () => {
    const labelOf = async (head: string, headers: Record<string, string>) => {
      const res = await postJson(app, `/v1/classify/${head}`, { texts: ['i forgot my pin'] }, headers);
      return { status: res.status, body: await json(res) };
    };
    expect((await labelOf('intents', ACME)).body.results[0].label).toBe('acme-pin');
    expect((await labelOf('intents', CORP)).body.results[0].label).toBe('corp-pin');
    expect((await labelOf('shared-intents', ACME)).body.results[0].label).toBe('shared-pin');
    const stolen = await labelOf('acme-corp--intents', ACME);
    expect(stolen.status).toBe(404);
    // The answer lists only what acme may use (nothing of acme-corp's but the name acme itself sent).
    expect(stolen.body.error.message).toBe('head "acme-corp--intents" (available: acme--intents, default, shared-intents) not found');
    expect((await labelOf('acme-corp--intents', ROOT)).body.results[0].label).toBe('corp-pin');
  });

  it('rerank and search: a tenant\'s default head is its own; another tenant\'s head cannot be named', async () => {
    const corp = await json(await postJson(app, '/v1/rerank', { query: 'fridge', documents: ['a fridge', 'a blender'] }, CORP));
    expect(corp.meta.strata.head.version).toBe('corp-1');
    const acme = await json(await postJson(app, '/v1/rerank', { query: 'fridge', documents: ['a fridge', 'a blender'] }, ACME));
    expect(acme.meta.strata.head.version).toBe('builtin-1');
    expect((await postJson(app, '/v1/rerank', { query: 'fridge', documents: ['a'], head: 'acme-corp--default' }, ACME)).status).toBe(404);
    expect((await postJson(app, '/v1/search', { query: 'fridge', rerank: { head: 'acme-corp--default' } }, ACME)).status).toBe(404);
  });

  it('models: a tenant sees the shared heads and its own, no other tenant\'s, no refused file of theirs, no server path', async () => {
    const body = await json(await req('GET', '/v1/models', ACME));
    expect(body.heads.map((h: Json) => h.name).sort()).toEqual(['acme--intents', 'default', 'shared-intents']);
    const text = JSON.stringify(body);
    expect(text).not.toContain('acme-corp');
    expect(text).not.toContain(headsDir);
    expect(text).not.toContain('secret');
    const corp = await json(await req('GET', '/v1/models', CORP));
    expect(corp.refused.map((r: Json) => r.file)).toEqual(['acme-corp--broken.json']);
    expect(JSON.stringify(corp)).not.toContain(headsDir);
    expect(JSON.stringify(corp)).not.toContain('do not show');
    const admin = await json(await req('GET', '/v1/models', ROOT));
    expect(admin.heads.map((h: Json) => h.name).sort()).toEqual(['acme--intents', 'acme-corp--default', 'acme-corp--intents', 'default', 'shared-intents']);
    expect(admin.refused[0].path).toBe(path.join(headsDir, 'acme-corp--broken.json'));
  });

  it('reload is for administrators only', async () => {
    await expectForbidden(await req('POST', '/v1/models/reload', ACME));
    await expectForbidden(await req('POST', '/v1/models/reload', CORP));
  });
});
