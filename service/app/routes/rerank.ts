/**
 * `POST /v1/rerank`: Cohere-compatible reranking (`query`, `documents` as strings or objects, `top_n`,
 * `return_documents`, `max_tokens_per_doc`) plus Strata's fields (`rank_fields`, `head`, `weights`, `explain`,
 * `snippets`), documents by reference (`index` + `ids`, reusing stored embeddings), and the Elasticsearch
 * inference `rerank` shape (`{ query, input: [...] }` -> `{ rerank: [{ index, relevance_score }] }`).
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { parseWith } from '../validate.ts';
import { authorizeIndex } from '../auth.ts';
import { IndexNameSchema } from './documents.ts';
import { WeightsSchema } from '../../rerank/weights.ts';
import { CatalogDocumentSchema, type CatalogDocument } from '../../catalog/schema.ts';
import { cleanText } from '../../catalog/clean.ts';
import type { FeatureCandidate } from '../../features/assemble.ts';
import { rerank } from '../../usecases/rerank.ts';
import { firstStageForIds } from '../../usecases/first-stage.ts';
import { FiltersSchema } from '../../retrieval/filters.ts';
import { strataError } from '../../errors.ts';

const DocumentSchema = z.union([z.string(), z.record(z.string(), z.unknown())]);

export const RerankRequestSchema = z
  .object({
    query: z.string().min(1, 'must not be empty').max(4096),
    documents: z.array(DocumentSchema).optional(),
    /** Elasticsearch inference `rerank` input: plain strings. */
    input: z.array(z.string()).optional(),
    index: IndexNameSchema.optional(),
    ids: z.array(z.string().min(1)).optional(),
    top_n: z.number().int().min(1).optional(),
    return_documents: z.boolean().default(false),
    max_tokens_per_doc: z.number().int().min(1).max(100_000).optional(),
    rank_fields: z.array(z.string().min(1)).optional(),
    model: z.string().optional(),
    head: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/).default('default'),
    weights: WeightsSchema.optional(),
    explain: z.boolean().default(false),
    snippets: z.union([z.boolean(), z.number().int().min(0).max(10)]).default(false),
    /**
     * Documents by reference only: rank them against `/v1/search`'s first stage with these filters and window,
     * not among themselves (what the rescorer sends for each shard, so a hit's score does not depend on its shard).
     */
    first_stage: z
      .object({ filters: FiltersSchema.optional(), window: z.number().int().min(1).max(1000).optional(), mode: z.enum(['hybrid', 'bm25', 'knn']).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => [r.documents, r.input, r.ids].filter(Boolean).length === 1, {
    message: 'give exactly one of documents, input, or ids (with index)',
  })
  .refine((r) => !r.ids || r.index, { message: 'ids need an index', path: ['index'] })
  .refine((r) => !r.ids || new Set(r.ids).size === r.ids.length, { message: 'ids must not repeat', path: ['ids'] });

export type RerankRequest = z.infer<typeof RerankRequestSchema>;

const METADATA = CatalogDocumentSchema.omit({ id: true, title: true }).partial().strip();

/**
 * Turns one inline document into a catalog document: strings become the body; objects keep their known
 * metadata (validated, errors named by position) and their `rank_fields` (or title/description/text) as text.
 */
export function inlineDocument(
  raw: string | Record<string, unknown>,
  position: number,
  { rankFields, maxChars, maxTokens }: { rankFields?: readonly string[]; maxChars: number; maxTokens?: number },
): { doc: Partial<CatalogDocument> & { id: string }; truncated: boolean } {
  let truncated = false;
  const clip = (text: string) => {
    const cleaned = cleanText(text, { maxChars });
    truncated ||= cleaned.truncated;
    if (!maxTokens) return cleaned.text;
    // About 0.75 words a token for English WordPiece: cut on a word boundary.
    const words = cleaned.text.split(/\s+/);
    const keep = Math.max(1, Math.floor(maxTokens * 0.75));
    if (words.length <= keep) return cleaned.text;
    truncated = true;
    return words.slice(0, keep).join(' ');
  };
  if (typeof raw === 'string') return { doc: { id: String(position), title: '', description: clip(raw) }, truncated };
  const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(' ') : v === undefined || v === null ? '' : String(v));
  const fields = rankFields ?? ['title', 'description', 'text'];
  const title = fields.includes('title') ? text(raw.title) : '';
  const body = fields.filter((f) => f !== 'title').map((f) => text(raw[f])).filter(Boolean).join('\n');
  const known = Object.fromEntries(Object.entries(raw).filter(([k]) => k in METADATA.shape));
  const meta = METADATA.safeParse(known);
  if (!meta.success) {
    const issue = meta.error.issues[0]!;
    throw strataError('validation', { summary: `documents.${position}.${issue.path.join('.')}: ${issue.message}` });
  }
  const { description: _d, ...metadata } = meta.data;
  return {
    doc: { ...metadata, id: raw.id === undefined ? String(position) : String(raw.id), title: clip(title), description: clip(body) },
    truncated,
  };
}

export function rerankRoutes(deps: AppDeps): Hono {
  const { config, es } = deps;
  const app = new Hono();
  app.post('/', async (c) => {
    const started = performance.now();
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw strataError('validation', { summary: 'the body is not valid JSON' });
    }
    const count = (k: string) => (body && typeof body === 'object' && Array.isArray((body as Record<string, unknown>)[k]) ? ((body as Record<string, unknown[]>)[k]!).length : 0);
    const n = count('documents') + count('input') + count('ids');
    if (n > config.service.maxDocuments) throw strataError('payload_too_large', { reason: `${n} documents; at most ${config.service.maxDocuments} per request` });
    const req = parseWith(RerankRequestSchema, body);

    let candidates: FeatureCandidate[];
    let queryVectors: Record<string, Float32Array> | undefined;
    const truncatedDocs: number[] = [];
    // The Elasticsearch rescorer sends the window's documents with their ids and names the index in a header:
    // those are reranked by reference, like `ids`, so they get the same features as in `/v1/search`.
    const headerIndex = c.req.header('x-strata-index');
    const docIds = req.documents?.every((d) => typeof d === 'object' && d !== null && d.id !== undefined)
      ? req.documents.map((d) => String((d as Record<string, unknown>).id))
      : undefined;
    const byReference = req.ids ?? (headerIndex && docIds && new Set(docIds).size === docIds.length ? docIds : undefined);
    if (req.first_stage && !byReference) {
      throw strataError('validation', { summary: 'first_stage: only for documents by reference (index and ids, or the rescorer with X-Strata-Index)' });
    }
    if (byReference) {
      const index = authorizeIndex(c, req.index ?? parseWith(IndexNameSchema, headerIndex));
      const within = req.first_stage && {
        window: req.first_stage.window ?? config.retrieval.window,
        ...(req.first_stage.filters ? { filters: req.first_stage.filters } : {}),
        ...(req.first_stage.mode ? { mode: req.first_stage.mode } : {}),
      };
      const fs = await firstStageForIds({
        client: es,
        pool: deps.pool,
        queryEmbedder: deps.queryEmbedder,
        index,
        query: req.query,
        ids: byReference,
        ...(within ? { within } : {}),
        rrfK: config.retrieval.rrfK,
        encoders: config.retrieval.textEncoders,
        signal: c.req.raw.signal,
      });
      if (fs.missing.length && req.ids) {
        throw strataError('not_found', { what: `documents ${JSON.stringify(fs.missing.slice(0, 10))} in index "${index}"` }, { missing: fs.missing });
      }
      const byId = new Map(fs.candidates.map((cand) => [cand.id, cand]));
      candidates = byReference.map((id, i) => {
        const found = byId.get(id);
        if (found) return { ...found, vectors: { ...found.vectors } };
        // Sent inline by the rescorer but not in the index (e.g. deleted meanwhile): reranked from its text.
        const { doc } = inlineDocument(req.documents![i]!, i, { maxChars: config.service.maxFieldChars, ...(req.rank_fields ? { rankFields: req.rank_fields } : {}) });
        return { id, doc, vectors: {} };
      });
      queryVectors = fs.queryVectors;
    } else {
      const docs = req.documents ?? req.input ?? [];
      candidates = docs.map((raw, i) => {
        const { doc, truncated } = inlineDocument(raw, i, {
          ...(req.rank_fields ? { rankFields: req.rank_fields } : {}),
          maxChars: config.service.maxFieldChars,
          ...(req.max_tokens_per_doc ? { maxTokens: req.max_tokens_per_doc } : {}),
        });
        if (truncated) truncatedDocs.push(i);
        return { id: `${i}`, doc, vectors: {} };
      });
    }

    const result = await rerank(
      { ...deps, textEncoders: config.retrieval.textEncoders, interactionDims: config.retrieval.interactionDims },
      {
        query: req.query,
        candidates,
        head: req.head,
        ...(req.weights ? { weights: req.weights } : {}),
        explain: req.explain,
        snippets: req.snippets === true ? 2 : req.snippets === false ? 0 : req.snippets,
        ...(req.top_n ? { topN: req.top_n } : {}),
        ...(queryVectors ? { queryVectors } : {}),
        signal: c.req.raw.signal,
      },
    );

    if (req.input) {
      return c.json({ rerank: result.results.map((r) => ({ index: r.index, relevance_score: r.score })) });
    }
    const original = req.documents ?? [];
    return c.json({
      id: randomUUID(),
      results: result.results.map((r) => ({
        index: r.index,
        relevance_score: r.score,
        ...(byReference ? { id: byReference[r.index] } : {}),
        ...(req.return_documents ? { document: req.ids ? r.doc : typeof original[r.index] === 'string' ? { text: original[r.index] } : original[r.index] } : {}),
        ...(req.explain ? { relevance: r.relevance, contributions: r.contributions, signals: r.signals, features: r.features } : {}),
        ...(r.snippets ? { snippets: r.snippets } : {}),
      })),
      meta: {
        api_version: { version: '2' },
        strata: {
          head: result.head,
          budget: result.budget,
          truncated_documents: truncatedDocs,
          took: roundAll({ ...result.took, totalMs: performance.now() - started }),
        },
      },
    });
  });
  return app;
}

/** Rounds every timing to 0.01 ms for the response. */
export function roundAll<T extends Record<string, number>>(t: T): T {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 100) / 100])) as T;
}
