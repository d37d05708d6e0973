/**
 * Request and response schemas of `/v1/rerank` and `/v2/rerank`. Both take Cohere's fields (every field the
 * `cohere-ai` and Python `cohere` SDKs send, v1 and v2, is accepted: honoured or ignored, never refused) plus
 * Strata's; `/v1/rerank` also takes the Elasticsearch inference shape `{ query, input }`.
 */
import { z } from 'zod';
import { IndexNameSchema } from './documents.ts';
import { WeightsSchema } from '../../rerank/weights.ts';
import { BudgetSchema } from '../../query/budget.ts';
import { ExplainSchema, HeadRefSchema, SnippetSchema, timings } from '../response-schemas.ts';

const DocumentSchema = z.union([
  z.string(),
  z.record(z.string(), z.unknown()).describe('An object: its `rank_fields` (default `text`) are ranked; catalog fields (price, rating, release_date, ...) feed the metadata signals; other keys are kept as they are'),
]);

/** Fields both versions accept. */
const fields = {
  query: z.string().min(1, 'must not be empty').max(4096),
  documents: z.array(DocumentSchema).optional().describe('Documents to rerank: strings, or objects (Cohere v1 style, ranked on `text` unless `rank_fields` says otherwise)'),
  index: IndexNameSchema.optional().describe('Index of the `ids` (default: the configured index, or the tenant\'s)'),
  ids: z.array(z.string().min(1)).min(1, 'give at least one id').meta({ uniqueItems: true }).optional().describe('Rerank stored documents by id (their stored embeddings are reused)'),
  top_n: z.number().int().min(1).optional().describe('Return only the best n'),
  return_documents: z.boolean().default(false).describe('Echo each document in its result (`{ "text" }` for strings)'),
  max_tokens_per_doc: z.number().int().min(1).max(100_000).optional().describe('Longer documents are cut (listed in meta.strata.truncated_documents)'),
  rank_fields: z.array(z.string().min(1)).min(1).optional().describe('Object keys to rank on, in order (default ["text"]); "title" is used as the title'),
  model: z.string().optional().describe('Accepted for Cohere SDKs and ignored: `head` chooses the scorer'),
  max_chunks_per_doc: z.number().int().min(1).optional().describe('Cohere v1: accepted and ignored (long documents are scored passage by passage anyway)'),
  priority: z.number().optional().describe('Cohere v2: accepted and ignored'),
  relevant_spans: z
    .object({ mode: z.string(), threshold: z.number().optional(), max_spans: z.number().int().optional() })
    .loose()
    .optional()
    .describe("Cohere v2 (Python SDK): accepted and ignored; Strata's `snippets` give extractive passages with offsets"),
  head: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/).default('default').describe('Rerank head'),
  weights: WeightsSchema.optional().describe('Per-signal weights for this request'),
  explain: z.boolean().default(false).describe('Add features, signals and contributions (which add up to relevance_score)'),
  snippets: z.union([z.boolean(), z.number().int().min(0).max(10)]).default(false).describe('Snippets per result (true: 2)'),
};

const one = (keys: readonly string[]) => (r: Record<string, unknown>) => keys.filter((k) => r[k] !== undefined).length === 1;
const distinctIds = (r: { ids?: string[] | undefined }) => !r.ids || new Set(r.ids).size === r.ids.length;

export const RerankRequestSchema = z
  .object({
    ...fields,
    input: z.array(z.string()).optional().describe('Elasticsearch inference `rerank` shape: plain strings; the answer is `{ "rerank": [...] }`'),
  })
  .strict()
  .refine(one(['documents', 'input', 'ids']), { message: 'give exactly one of documents, input, or ids' })
  .refine(distinctIds, { message: 'ids must not repeat', path: ['ids'] })
  .meta({
    description: 'Exactly one of `documents`, `input` or `ids`.',
    oneOf: [{ required: ['documents'] }, { required: ['input'] }, { required: ['ids'] }],
  });

export const RerankV2RequestSchema = z
  .object(fields)
  .strict()
  .refine(one(['documents', 'ids']), { message: 'give exactly one of documents or ids' })
  .refine(distinctIds, { message: 'ids must not repeat', path: ['ids'] })
  .meta({ description: 'Exactly one of `documents` or `ids`.', oneOf: [{ required: ['documents'] }, { required: ['ids'] }] });

export type RerankRequest = z.infer<typeof RerankRequestSchema>;

export const RerankResultSchema = z.object({
  index: z.number().int().min(0).describe('Position of the document in the request'),
  relevance_score: z.number().describe('Strata\'s final score: head relevance plus the weighted metadata signals (not bounded to [0, 1])'),
  id: z.string().optional().describe('The document id, when reranked by reference'),
  document: z.record(z.string(), z.unknown()).optional().describe('With return_documents: `{ "text" }` for a string, the object as sent, or the stored document'),
  relevance: z.number().optional().describe('With explain: the head\'s relevance'),
  ...ExplainSchema.partial().shape,
  snippets: z.array(SnippetSchema).optional(),
});

export const RERANK_STAGES = ['embeddingMs', 'retrievalMs', 'featuresMs', 'headMs', 'rerankMs', 'snippetsMs', 'otherMs', 'totalMs'] as const;

export const RerankResponseSchema = z.object({
  id: z.string(),
  results: z.array(RerankResultSchema).describe('Best first'),
  meta: z.object({
    api_version: z.object({ version: z.enum(['1', '2']).describe('The version of the route that answered') }),
    warnings: z.array(z.string()).optional().describe('e.g. catalog-like keys of another type, ignored as metadata'),
    strata: z.object({
      head: HeadRefSchema,
      budget: BudgetSchema.nullable(),
      truncated_documents: z.array(z.number().int()),
      took: timings(RERANK_STAGES).describe(
        'Milliseconds from the moment the request arrived: query and document embedding, first-stage retrieval (by reference), features, head, metadata reranker, snippets, the rest (parsing, validation); the stages add up to totalMs',
      ),
    }),
  }),
});

/** The Elasticsearch inference `rerank` result shape. */
export const InferenceRerankResponseSchema = z.object({
  rerank: z.array(z.object({ index: z.number().int().min(0), relevance_score: z.number() })),
});

export const RerankV1ResponseSchema = z.union([RerankResponseSchema, InferenceRerankResponseSchema]);
