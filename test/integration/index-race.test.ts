/**
 * Index creation is atomic: concurrent first writes to a new name leave one concrete index behind one alias
 * with every document stored; an alias broken the old way (several indices, no write index) is repaired when
 * that is safe and named with the fix when it is not.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasState, createProductIndex, ensureIndex } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { json, postJson } from '../helpers/http.ts';
import { makeApp } from '../helpers/app.ts';

const esUrl = inject('esUrl');
const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram' });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
const encoders = config.retrieval.textEncoders;
const made: string[] = [];

afterAll(async () => {
  for (const alias of made) {
    const { targets } = await aliasState(es, alias);
    if (targets.length) await es.indices.delete({ index: targets });
  }
  await pool.close();
  await es.close();
});

describe('atomic index creation', () => {
  it('8 concurrent first writes to one new name: one index behind one alias, all writes stored', async () => {
    const alias = `race-${randomUUID().slice(0, 8)}`;
    made.push(alias);
    const { app } = await makeApp({ config, es, pool });
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        postJson(app, `/v1/indices/${alias}/documents`, { documents: Array.from({ length: 5 }, (_, i) => ({ id: `w${w}-${i}`, title: `writer ${w} item ${i}` })), refresh: 'wait_for' }),
      ),
    );
    for (const res of responses) expect(res.status).toBe(200);
    const { targets, writeIndex } = await aliasState(es, alias);
    expect(targets).toHaveLength(1);
    expect(writeIndex).toBe(targets[0]);
    expect((await es.count({ index: alias })).count).toBe(40);
    // Later writes keep working.
    const later = await postJson(app, `/v1/indices/${alias}/documents`, { documents: [{ id: 'later', title: 'a later write' }], refresh: 'wait_for' });
    expect(later.status).toBe(200);
    expect((await es.count({ index: alias })).count).toBe(41);
  });

  it('repairs an alias left with two indices and no write index when at most one holds documents', async () => {
    const alias = `broken-${randomUUID().slice(0, 8)}`;
    made.push(alias);
    const [a, b] = [`${alias}-20260101000000001`, `${alias}-20260101000000002`];
    await createProductIndex(es, a, { encoders });
    await createProductIndex(es, b, { encoders });
    await es.indices.updateAliases({ actions: [{ add: { index: a, alias } }, { add: { index: b, alias } }] });
    await es.index({ index: a, id: 'kept', document: { id: 'kept', title: 'kept' }, refresh: 'wait_for' });
    expect((await aliasState(es, alias)).writeIndex).toBeNull();
    expect(await ensureIndex(es, alias, { encoders })).toBe(a);
    expect(await aliasState(es, alias)).toEqual({ targets: [a], writeIndex: a });
    expect(await es.indices.exists({ index: b })).toBe(false);
  });

  it('names a broken alias it cannot repair safely, with the fix', async () => {
    const alias = `conflict-${randomUUID().slice(0, 8)}`;
    made.push(alias);
    const [a, b] = [`${alias}-20260101000000001`, `${alias}-20260101000000002`];
    for (const index of [a, b]) {
      await createProductIndex(es, index, { encoders });
      await es.index({ index, id: index, document: { id: index, title: 'x' }, refresh: 'wait_for' });
    }
    await es.indices.updateAliases({ actions: [{ add: { index: a, alias } }, { add: { index: b, alias } }] });
    const { app } = await makeApp({ config, es, pool });
    const res = await postJson(app, `/v1/indices/${alias}/documents`, { documents: [{ id: 'x', title: 'x' }] });
    expect(res.status).toBe(409);
    const { error } = await json(res);
    expect(error.code).toBe('alias_conflict');
    expect(error.message).toContain(`alias "${alias}" points at 2 indices`);
    expect(error.message).toContain('is_write_index');
    expect(error.details.indices).toEqual([
      { index: a, docs: 1 },
      { index: b, docs: 1 },
    ]);
  });
});
