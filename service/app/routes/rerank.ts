/**
 * `POST /v1/rerank` and `POST /v2/rerank`: Cohere-compatible reranking (`query`, `documents` as strings or objects,
 * `top_n`, `return_documents`, `max_tokens_per_doc`, `rank_fields`; `model`, `max_chunks_per_doc` and `priority`
 * accepted and ignored) plus Strata's fields (`head`, `weights`, `explain`, `snippets`), documents by reference
 * (`ids`, reusing stored embeddings), and on v1 the Elasticsearch inference `rerank` shape
 * (`{ query, input: [...] }` -> `{ rerank: [{ index, relevance_score }] }`). `meta.api_version.version` names the
 * route that answered; `meta.strata.took` covers the whole request, first stage included.
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.ts';
import { parseWith } from '../validate.ts';
import { authorizeIndex, defaultIndex } from '../auth.ts';
import { IndexNameSchema } from './documents.ts';
import type { FeatureCandidate } from '../../features/assemble.ts';
import { rerank, type RerankedItem } from '../../usecases/rerank.ts';
import { firstStageForIds } from '../../usecases/first-stage.ts';
import type { ResolvedTuning } from '../../retrieval/tuning-store.ts';
import { strataError } from '../../errors.ts';
import { elapsedMs } from '../request-log.ts';
import { respond } from '../response-schemas.ts';
import { inlineDocument } from './rerank-documents.ts';
import {
  InferenceRerankResponseSchema,
  RerankRequestSchema,
  RerankResponseSchema,
  RerankV2RequestSchema,
  type RerankRequest,
} from './rerank-schema.ts';

/** At most this many warnings are listed (a thousand documents with a bad price would say the same thing). */
const MAX_WARNINGS = 20;

async function readBody(c: Context, maxDocuments: number): Promise<unknown> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw strataError('validation', { summary: 'the body is not valid JSON' });
  }
  // Counted before validation, so a huge request is refused without validating every document.
  const count = (k: string) => (body && typeof body === 'object' && Array.isArray((body as Record<string, unknown>)[k]) ? ((body as Record<string, unknown[]>)[k]!).length : 0);
  const n = count('documents') + count('input') + count('ids');
  if (n > maxDocuments) throw strataError('payload_too_large', { reason: `${n} documents; at most ${maxDocuments} per request` });
  return body;
}

/**
 * The rerank routes of one API version.
 *
 * @example app.route('/v2/rerank', rerankRoutes(deps, '2'));
 */
export function rerankRoutes(deps: AppDeps, version: '1' | '2'): Hono {
  const { config, es } = deps;
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await readBody(c, config.service.maxDocuments);
    const req: RerankRequest = version === '1' ? parseWith(RerankRequestSchema, body) : parseWith(RerankV2RequestSchema, body);
    const inline = { maxChars: config.service.maxFieldChars, rankFields: req.rank_fields };

    let candidates: FeatureCandidate[];
    let queryVectors: Record<string, Float32Array> | undefined;
    // The index whose term statistics and query adapter apply: the documents' own, or one named for inline documents.
    let statsIndex = req.index && !req.ids ? authorizeIndex(c, req.index) : undefined;
    let resolvedTuning: ResolvedTuning | null | undefined;
    const firstStageTook = { embeddingMs: 0, retrievalMs: 0 };
    const truncatedDocs: number[] = [];
    const warnings: string[] = [];
    // Inline documents: the request position of each candidate, and the documents left out for having no text.
    const positions: number[] = [];
    const emptyDocs: number[] = [];
    // The Elasticsearch rescorer sends the window's documents with their ids and names the index in a header:
    // those are reranked by reference, like `ids`, so they get the same features as in `/v1/search`.
    const headerIndex = c.req.header('x-strata-index');
    const docIds = req.documents?.every((d) => typeof d === 'object' && d !== null && d.id !== undefined)
      ? req.documents.map((d) => String((d as Record<string, unknown>).id))
      : undefined;
    const byReference = req.ids ?? (headerIndex && docIds && new Set(docIds).size === docIds.length ? docIds : undefined);
    if (req.first_stage && !byReference) {
      throw strataError('validation', { summary: 'first_stage: only for documents by reference (ids, or the rescorer with X-Strata-Index)' });
    }
    if (byReference) {
      const index = authorizeIndex(c, req.index ?? (req.ids ? defaultIndex(c, config.service.index) : parseWith(IndexNameSchema, headerIndex)));
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
        ...(deps.tuning ? { tuning: deps.tuning } : {}),
      });
      statsIndex = index;
      resolvedTuning = fs.tuning;
      firstStageTook.embeddingMs = fs.took.embeddingMs;
      firstStageTook.retrievalMs = fs.took.retrievalMs + fs.took.loadMs;
      if (fs.missing.length && req.ids) {
        throw strataError('not_found', { what: `documents ${JSON.stringify(fs.missing.slice(0, 10))} in index "${index}"` }, { missing: fs.missing });
      }
      const byId = new Map(fs.candidates.map((cand) => [cand.id, cand]));
      candidates = byReference.map((id, i) => {
        const found = byId.get(id);
        if (found) return { ...found, vectors: { ...found.vectors } };
        // Sent inline by the rescorer but not in the index (e.g. deleted meanwhile): reranked from its text, and
        // never refused, since failing here would fail the user's whole search.
        const { doc } = inlineDocument(req.documents![i]!, i, { ...inline, requireText: false });
        return { id, doc, vectors: {} };
      });
      queryVectors = fs.queryVectors;
    } else {
      const docs = req.documents ?? req.input ?? [];
      candidates = [];
      docs.forEach((raw, i) => {
        const parsed = inlineDocument(raw, i, { ...inline, maxTokens: req.max_tokens_per_doc });
        if (parsed.truncated) truncatedDocs.push(i);
        warnings.push(...parsed.warnings);
        // A string with no text left after cleaning ("", spaces, markup only) cannot be relevant: it is not
        // embedded and comes last, where scoring it would put an empty passage above real ones.
        if (!parsed.doc.title && !parsed.doc.description) {
          emptyDocs.push(i);
          warnings.push(`documents.${i}: no text after cleaning; ranked last`);
          return;
        }
        candidates.push({ id: `${i}`, doc: parsed.doc, vectors: {} });
        positions.push(i);
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
        ...(statsIndex ? { index: statsIndex } : {}),
        ...(resolvedTuning !== undefined ? { tuning: resolvedTuning } : {}),
        signal: c.req.raw.signal,
      },
    );

    const results = withEmptyLast(result.results, positions, emptyDocs, req.top_n, Boolean(req.snippets));
    if (req.input) {
      return respond(c, InferenceRerankResponseSchema, { rerank: results.map((r) => ({ index: r.index, relevance_score: r.score })) });
    }
    const original = req.documents ?? [];
    const documentOf = (index: number, stored: Record<string, unknown>): Record<string, unknown> => {
      if (req.ids) return stored;
      const sent = original[index]!;
      return typeof sent === 'string' ? { text: sent } : sent;
    };
    const stages = {
      embeddingMs: firstStageTook.embeddingMs + result.took.embeddingMs,
      retrievalMs: firstStageTook.retrievalMs,
      featuresMs: result.took.featuresMs,
      headMs: result.took.headMs,
      rerankMs: result.took.rerankMs,
      snippetsMs: result.took.snippetsMs,
    };
    const totalMs = elapsedMs(c);
    const otherMs = Math.max(0, totalMs - Object.values(stages).reduce((a, b) => a + b, 0));
    const took = roundAll({ ...stages, otherMs, totalMs });
    const listed = warnings.length > MAX_WARNINGS ? [...warnings.slice(0, MAX_WARNINGS), `... and ${warnings.length - MAX_WARNINGS} more`] : warnings;
    return respond(c, RerankResponseSchema, {
      id: randomUUID(),
      results: results.map((r) => ({
        index: r.index,
        relevance_score: r.score,
        ...(byReference ? { id: byReference[r.index]! } : {}),
        ...(req.return_documents ? { document: documentOf(r.index, r.doc) } : {}),
        ...(req.explain && r.contributions && r.signals && r.features
          ? { relevance: r.relevance, contributions: r.contributions, signals: r.signals, features: r.features }
          : {}),
        ...(r.snippets ? { snippets: r.snippets } : {}),
      })),
      meta: {
        api_version: { version },
        ...(listed.length ? { warnings: listed } : {}),
        strata: { head: result.head, budget: result.budget, truncated_documents: truncatedDocs, took },
      },
    });
  });
  return app;
}

/**
 * Maps the reranked candidates back to request positions (`positions`, when some documents were left out) and puts
 * the documents without text after them, as far as `top_n` allows, with a score no higher than any other.
 */
export function withEmptyLast(results: RerankedItem[], positions: readonly number[], empty: readonly number[], topN: number | undefined, snippets: boolean): RerankedItem[] {
  if (!empty.length) return results;
  const mapped = results.map((r) => ({ ...r, index: positions[r.index]! }));
  const floor = mapped.reduce((low, r) => Math.min(low, r.score), 0);
  const room = Math.max(0, (topN ?? Infinity) - mapped.length);
  const last = empty.slice(0, room).map((i) => ({ index: i, id: `${i}`, score: floor, relevance: 0, doc: { id: `${i}`, title: '', description: '' }, ...(snippets ? { snippets: [] } : {}) }));
  return [...mapped, ...last];
}

/** Rounds every timing to 0.01 ms for the response. */
export function roundAll<T extends Record<string, number>>(t: T): T {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 100) / 100])) as T;
}
