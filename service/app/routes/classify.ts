/**
 * `POST /v1/classify/:head`: texts in, labels with probabilities out. The head names the encoders whose
 * embeddings it was trained on (concatenated in that order); the texts go through the same encoders. A head with
 * an abstain rule answers `label: null, out_of_scope: true` for texts whose in-scope score falls under its
 * threshold; `threshold` in the request overrides the head's for that request.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../validate.ts';
import { HeadRefSchema, respond } from '../response-schemas.ts';
import { embedTexts } from '../../usecases/embed.ts';
import { cleanText } from '../../catalog/clean.ts';
import { strataError } from '../../errors.ts';
import { abstainRule, scoresFor } from '../../heads/abstain.ts';
import { OOS_SCORES } from '../../heads/classify-fields.ts';

export const ClassifyRequestSchema = z
  .object({
    texts: z.array(z.string().max(100_000)).min(1),
    top_k: z.number().int().min(1).max(100).default(3),
    threshold: z
      .number()
      .finite()
      .optional()
      .describe("Abstain when a text's in-scope score is below this (overrides the head's threshold; the score is the head's abstain score, max_probability for heads without one)"),
  })
  .strict();

const LabelSchema = z.object({ label: z.string(), probability: z.number().min(0).max(1) });

export const ClassifyResponseSchema = z.object({
  head: HeadRefSchema.extend({
    abstain: z
      .object({ score: z.enum(OOS_SCORES), threshold: z.number(), source: z.enum(['head', 'request']) })
      .nullable()
      .describe('The rule applied; null when the head has none and the request gave no threshold'),
  }),
  results: z
    .array(
      z.object({
        label: z.string().nullable().describe('null when the head abstains (out of scope)'),
        probability: z.number().min(0).max(1).describe('calibrated probability of the most likely label'),
        out_of_scope: z.boolean(),
        score: z.number().describe('in-scope score under the abstain rule (higher = more in scope)'),
        top: z.array(LabelSchema).describe('The top_k labels, most probable first'),
      }),
    )
    .describe('One per text, in order'),
});

const RANGES: Record<string, [number, number]> = { max_probability: [0, 1], centroid: [-1, 1] };

export function classifyRoutes({ pool, heads, config }: AppDeps): Hono {
  const app = new Hono();
  app.post('/:head', async (c) => {
    const req = await readJson(c, ClassifyRequestSchema);
    if (req.texts.length > config.service.maxDocuments) {
      throw strataError('payload_too_large', { reason: `${req.texts.length} texts; at most ${config.service.maxDocuments} per request` });
    }
    const head = heads.get(c.req.param('head'), 'classify');
    const { encoders = [], labels = [] } = head.artifact;
    const rule = abstainRule(head.artifact, req.threshold);
    const range = rule && RANGES[rule.score];
    if (rule?.source === 'request' && range && (rule.threshold < range[0] || rule.threshold > range[1])) {
      const message = `${rule.threshold} is outside [${range[0]}, ${range[1]}], the range of head "${head.artifact.name}"'s ${rule.score} score`;
      throw strataError('validation', { summary: `threshold: ${message}` }, { issues: [{ path: 'threshold', message }] });
    }
    const texts = req.texts.map((t) => cleanText(t, { maxChars: config.service.maxFieldChars }).text);
    const parts = await Promise.all(encoders.map((e) => embedTexts(pool, e, texts, { signal: c.req.raw.signal, priority: 'interactive' })));
    const d = head.artifact.features.length;
    const rows = new Float32Array(texts.length * d);
    texts.forEach((_, i) => {
      let off = i * d;
      for (const part of parts) {
        rows.set(part[i]!, off);
        off += part[i]!.length;
      }
    });
    const out = head.classify!(rows, texts.length);
    const scores = scoresFor(head.artifact, rule?.score ?? 'max_probability', out, texts.length);
    const k = labels.length;
    const results = texts.map((_, i) => {
      const ranked = labels.map((label, j) => ({ label, probability: out.probs[i * k + j]! })).sort((a, b) => b.probability - a.probability);
      const outOfScope = rule !== null && scores[i]! < rule.threshold;
      return { label: outOfScope ? null : ranked[0]!.label, probability: ranked[0]!.probability, out_of_scope: outOfScope, score: scores[i]!, top: ranked.slice(0, req.top_k) };
    });
    const { name, version, type } = head.artifact;
    return respond(c, ClassifyResponseSchema, { head: { name, version, type, abstain: rule }, results });
  });
  return app;
}
