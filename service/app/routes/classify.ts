/**
 * `POST /v1/classify/:head`: texts in, labels with probabilities out. The head names the encoders whose
 * embeddings it was trained on (concatenated in that order); the texts go through the same encoders.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../validate.ts';
import { HeadRefSchema, respond } from '../response-schemas.ts';
import { embedTexts } from '../../usecases/embed.ts';
import { cleanText } from '../../catalog/clean.ts';
import { strataError } from '../../errors.ts';

export const ClassifyRequestSchema = z
  .object({
    texts: z.array(z.string().max(100_000)).min(1),
    top_k: z.number().int().min(1).max(100).default(3),
  })
  .strict();

const LabelSchema = z.object({ label: z.string(), probability: z.number().min(0).max(1) });

export const ClassifyResponseSchema = z.object({
  head: HeadRefSchema,
  results: z.array(LabelSchema.extend({ top: z.array(LabelSchema).describe('The top_k labels, most probable first') })).describe('One per text, in order'),
});

export function classifyRoutes({ pool, heads, config }: AppDeps): Hono {
  const app = new Hono();
  app.post('/:head', async (c) => {
    const req = await readJson(c, ClassifyRequestSchema);
    if (req.texts.length > config.service.maxDocuments) {
      throw strataError('payload_too_large', { reason: `${req.texts.length} texts; at most ${config.service.maxDocuments} per request` });
    }
    const head = heads.get(c.req.param('head'), 'classify');
    const { encoders = [], labels = [] } = head.artifact;
    const texts = req.texts.map((t) => cleanText(t, { maxChars: config.service.maxFieldChars }).text);
    const parts = await Promise.all(encoders.map((e) => embedTexts(pool, e, texts, c.req.raw.signal)));
    const d = head.artifact.features.length;
    const rows = new Float32Array(texts.length * d);
    texts.forEach((_, i) => {
      let off = i * d;
      for (const part of parts) {
        rows.set(part[i]!, off);
        off += part[i]!.length;
      }
    });
    const probs = head.predict(rows, texts.length);
    const k = labels.length;
    const results = texts.map((_, i) => {
      const ranked = labels.map((label, j) => ({ label, probability: probs[i * k + j]! })).sort((a, b) => b.probability - a.probability);
      return { label: ranked[0]!.label, probability: ranked[0]!.probability, top: ranked.slice(0, req.top_k) };
    });
    return respond(c, ClassifyResponseSchema, { head: { name: head.artifact.name, version: head.artifact.version, type: head.artifact.type }, results });
  });
  return app;
}
