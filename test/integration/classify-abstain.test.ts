/**
 * Out-of-scope abstention end to end with real parts: a classify head trained by `trainClassifyHeads` (the use
 * case behind `strata train classify`) on real Banking77 texts embedded by the real MiniLM and char-gram encoders,
 * written as an artifact, loaded by the real head store, and queried over `/v1/classify` in-process: known intents
 * are answered, off-topic texts get `label: null, out_of_scope: true`, a request's threshold overrides the head's,
 * and an artifact whose abstain fields disagree is refused on reload while the previous version keeps serving.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { trainClassifyHeads, type ClassifyHeadResult } from '../../training/classify/train-classify.ts';
import { readLabelled, type LabelledText } from '../../training/data/labelled.ts';
import { makeApp } from '../helpers/app.ts';
import { json, postJson } from '../helpers/http.ts';

const esUrl = inject('esUrl');
const config = loadConfig({ STRATA_ES_URL: esUrl });
const es = createEsClient({ url: esUrl });
const pool = createEncoderPool({ threads: 1, context: encoderContext(config) });
const BANKING77 = path.resolve(import.meta.dirname, '../../../shared/data/banking77');
const KNOWN = ['age_limit', 'apple_pay_or_google_pay', 'card_arrival', 'exchange_rate', 'lost_or_stolen_card', 'pin_blocked', 'terminate_account', 'top_up_failed'];
const OFF_TOPIC = [
  "what's the weather like in Paris tomorrow",
  'recommend a good italian restaurant nearby',
  'how many calories are in a banana',
  'play some jazz music in the living room',
  'who won the football world cup in 2018',
  'set an alarm for 7 am',
  'translate good morning into spanish',
  'how tall is mount everest',
  'tell me a joke about cats',
  'what time does the cinema open tonight',
];

let app: Awaited<ReturnType<typeof makeApp>>['app'];
let headsDir: string;
let trained: ClassifyHeadResult;
let known: LabelledText[];

beforeAll(async () => {
  const take = (rows: LabelledText[], per: number) => KNOWN.flatMap((l) => rows.filter((r) => r.label === l).slice(0, per));
  const train = take(await readLabelled(path.join(BANKING77, 'train.csv'), { labelCol: 'category' }), 40);
  known = take(await readLabelled(path.join(BANKING77, 'test.csv'), { labelCol: 'category' }), 5);
  ({ app, headsDir } = await makeApp({ config, es, pool }));
  [trained] = (await trainClassifyHeads({ pool, train, test: known, encoders: ['text/minilm', 'text/chargram'] }, { name: 'intents', outDir: headsDir, samples: 200 })) as [ClassifyHeadResult];
  const cal = trained.calibration!;
  console.log(
    `intents-lr: temperature ${cal.temperature.toFixed(3)}; calibration split ECE ${(cal.eceBefore * 100).toFixed(2)} % -> ${(cal.eceAfter * 100).toFixed(2)} %, NLL ${cal.nllBefore.toFixed(4)} -> ${cal.nllAfter.toFixed(4)}; ` +
      `test ECE ${(trained.evaluation!.ece.uncalibrated * 100).toFixed(2)} % -> ${(trained.evaluation!.ece.calibrated * 100).toFixed(2)} %; abstain on ${trained.abstain!.score} < ${trained.abstain!.threshold.toFixed(4)}`,
  );
  expect((await app.request('/v1/models/reload', { method: 'POST' })).status).toBe(200);
});

afterAll(async () => {
  await pool.close();
  await es.close();
});

interface Result {
  label: string | null;
  probability: number;
  out_of_scope: boolean;
  score: number;
  top: Array<{ label: string; probability: number }>;
}

const classify = async (body: Record<string, unknown>, head = 'intents-lr') => postJson(app, `/v1/classify/${head}`, body);

describe('/v1/classify with an abstain rule', () => {
  it('fits the temperature on held-out rows: lower NLL there, lower ECE on the test rows; stores a consistent rule', () => {
    expect(trained.calibration!.nllAfter).toBeLessThanOrEqual(trained.calibration!.nllBefore + 1e-9);
    expect(trained.evaluation!.ece.calibrated).toBeLessThan(trained.evaluation!.ece.uncalibrated);
    expect(trained.abstain!.source).toBe('held-out-classes');
    expect(trained.artifact.abstain!.threshold).toBe(trained.abstain!.threshold);
  });

  it('answers known intents and abstains on off-topic texts with label null, out_of_scope and the score', async () => {
    const res = await classify({ texts: [...known.map((r) => r.text), ...OFF_TOPIC] });
    expect(res.status).toBe(200);
    const body = await json(res);
    const rule = body.head.abstain as { score: string; threshold: number; source: string };
    expect(rule).toEqual({ score: trained.abstain!.score, threshold: trained.abstain!.threshold, source: 'head' });
    const results = body.results as Result[];
    for (const r of results) {
      expect(r.out_of_scope).toBe(r.score < rule.threshold);
      expect(r.label === null).toBe(r.out_of_scope);
      expect(r.top[0]!.probability).toBe(r.probability);
    }
    const inScope = results.slice(0, known.length);
    const right = inScope.filter((r, i) => r.label === known[i]!.label).length;
    const offTopic = results.slice(known.length);
    console.log(`known intents: ${right}/${known.length} answered right, ${inScope.filter((r) => r.out_of_scope).length} abstained; off-topic: ${offTopic.filter((r) => r.out_of_scope).length}/${OFF_TOPIC.length} abstained`);
    expect(right / known.length).toBeGreaterThanOrEqual(0.75);
    expect(offTopic.filter((r) => r.out_of_scope).length).toBeGreaterThanOrEqual(8);
  });

  it("lets a request's threshold override the head's", async () => {
    const texts = [...known.slice(0, 10).map((r) => r.text), ...OFF_TOPIC.slice(0, 4)];
    const base = (await json(await classify({ texts }))).results as Result[];
    const sorted = base.map((r) => r.score).sort((p, q) => p - q);
    const middle = (sorted[6]! + sorted[7]!) / 2;
    const body = await json(await classify({ texts, threshold: middle }));
    expect(body.head.abstain).toMatchObject({ threshold: middle, source: 'request' });
    const results = body.results as Result[];
    // Exactly the seven lowest-scoring texts abstain, whatever the head's own threshold would have done.
    expect(results.filter((r) => r.out_of_scope)).toHaveLength(7);
    results.forEach((r, i) => expect(r.out_of_scope).toBe(base[i]!.score < middle));
    expect(results.filter((r) => !r.out_of_scope).every((r) => r.label !== null)).toBe(true);
  });

  it('refuses a threshold that is not a number, or outside the range of the score, naming the field', async () => {
    const bad = await classify({ texts: ['hello'], threshold: 'high' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.details.issues[0].path).toBe('threshold');
    // A head without a rule abstains on the max probability when a request asks; 1.5 is no probability.
    const { abstain: _a, calibration: _c, ...plain } = trained.artifact;
    await writeFile(path.join(headsDir, 'plain.json'), JSON.stringify({ ...plain, name: 'plain' }));
    expect((await app.request('/v1/models/reload', { method: 'POST' })).status).toBe(200);
    const none = await json(await classify({ texts: [OFF_TOPIC[0]] }, 'plain'));
    expect(none.head.abstain).toBeNull();
    expect(none.results[0].out_of_scope).toBe(false);
    const outside = await classify({ texts: ['hello'], threshold: 1.5 }, 'plain');
    expect(outside.status).toBe(400);
    const err = (await json(outside)).error;
    expect(err.details.issues[0].path).toBe('threshold');
    expect(err.message).toMatch(/outside \[0, 1\].*max_probability/);
  });

  it('refuses an artifact whose abstain fields disagree, and keeps serving the previous version', async () => {
    const file = path.join(headsDir, 'intents-lr.json');
    const good = await readFile(file, 'utf8');
    const artifact = JSON.parse(good);
    await writeFile(file, JSON.stringify({ ...artifact, abstain: { ...artifact.abstain, score: 'centroid', threshold: 0.5, centroids: [[1, 0]] } }));
    const reload = await app.request('/v1/models/reload', { method: 'POST' });
    expect(reload.status).toBe(422);
    const refused = (await json(reload)).refused as Array<{ file: string; error: string }>;
    // Refusals name files relative to the heads directory.
    expect(refused.find((r) => r.file === 'intents-lr.json')?.error).toMatch(/abstain\.centroids: 1 rows for 8 labels/);
    const still = await json(await classify({ texts: [OFF_TOPIC[0]] }));
    expect(still.head.abstain.threshold).toBe(trained.abstain!.threshold);
    await writeFile(file, good);
  });

  it('documents threshold and out_of_scope in the generated OpenAPI', async () => {
    const doc = await json(await app.request('/openapi.json'));
    const op = doc.paths['/v1/classify/{head}'].post;
    // Schemas live once under components.schemas; operations point at them.
    const resolve = (s: { $ref?: string }) => (s.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s);
    expect(resolve(op.requestBody.content['application/json'].schema).properties.threshold.type).toBe('number');
    const item = resolve(op.responses['200'].content['application/json'].schema).properties.results.items;
    expect(item.properties.out_of_scope.type).toBe('boolean');
    expect(item.properties.label.anyOf ?? item.properties.label.type).toBeTruthy();
  });
});
