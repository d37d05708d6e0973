/**
 * The real `cohere-ai` SDK (v1 `CohereClient.rerank`, v2 `CohereClientV2.rerank` and `CohereClient.v2.rerank`)
 * against the service started on a real port, with real Elasticsearch and real encoders. The SDK parses responses
 * with validation off, so every raw body is also parsed with the SDK's own response serializers with validation
 * on: a response that does not fit Cohere's types fails here. Also: a compressed request body (gzip, br) over real
 * HTTP ranks exactly as the same body sent plain.
 */
import { createRequire } from 'node:module';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CohereClient, CohereClientV2, Cohere } from 'cohere-ai';
import { loadConfig } from '../../service/config.ts';
import { start, type RunningService } from '../../service/app/start.ts';

// The SDK's serializers are not in its package exports; loaded by file path, they are the SDK's own code.
const require = createRequire(import.meta.url);
const sdkRoot = path.dirname(require.resolve('cohere-ai'));
interface Serializer {
  parse(raw: unknown, opts: Record<string, unknown>): { ok: boolean; errors?: Array<{ path: string[]; message: string }> };
}
const serializers = require(path.join(sdkRoot, 'serialization', 'index.js')) as { RerankResponse: Serializer; V2RerankResponse: Serializer };

let service: RunningService;
const bodies: Array<{ url: string; status: number; body: unknown }> = [];

/** A fetch that keeps each response body, so it can be checked against Cohere's types strictly. */
const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  bodies.push({ url: String(input instanceof Request ? input.url : input), status: res.status, body: await res.clone().json() });
  return res;
};

/** The last raw body, parsed by the SDK's serializer with validation on (unknown keys allowed, as the SDK does). */
function strictlyParsed(serializer: Serializer): void {
  const last = bodies.at(-1)!;
  const parsed = serializer.parse(last.body, { unrecognizedObjectKeys: 'passthrough', allowUnrecognizedUnionMembers: true, allowUnrecognizedEnumValues: true });
  expect(parsed.errors ?? []).toEqual([]);
  expect(parsed.ok).toBe(true);
}

const DOCS = [
  'Carson City is the capital city of the American state of Nevada.',
  'A quiet dishwasher that runs at 42 dB, with a third rack.',
  'Dishwasher tablets, 100 pack, lemon scent.',
  'A loud blender for smoothies.',
];

beforeAll(async () => {
  const headsDir = await mkdtemp(path.join(tmpdir(), 'strata-cohere-heads-'));
  const config = loadConfig({ STRATA_ES_URL: inject('esUrl'), STRATA_PORT: '0', STRATA_POOL_THREADS: '1', STRATA_HEADS_DIR: headsDir, STRATA_LOG_REQUESTS: 'false' });
  service = await start(config);
});

afterAll(async () => {
  await service?.close();
});

const v1 = () => new CohereClient({ token: 'not-checked', environment: service.url, fetch: recordingFetch, maxRetries: 0 });
const v2 = () => new CohereClientV2({ token: 'not-checked', environment: service.url, fetch: recordingFetch, maxRetries: 0 });

describe('cohere-ai CohereClient (v1)', () => {
  it('reranks strings with top_n, return_documents and max_chunks_per_doc', async () => {
    const res = await v1().rerank({ model: 'rerank-v3.5', query: 'quiet dishwasher', documents: DOCS, topN: 2, returnDocuments: true, maxChunksPerDoc: 10 });
    expect(res.results).toHaveLength(2);
    expect(res.results[0]!.index).toBe(1);
    expect(res.results[0]!.relevanceScore).toBeGreaterThan(res.results[1]!.relevanceScore);
    for (const r of res.results) expect(r.document).toEqual({ text: DOCS[r.index] });
    expect(res.meta?.apiVersion?.version).toBe('1');
    strictlyParsed(serializers.RerankResponse);
  });

  it('ranks object documents on their text field by default, and on rank_fields when given', async () => {
    // The title says "dishwasher" on the wrong document: by default (text only, as Cohere) it must not count.
    const documents = [
      { title: 'Quiet dishwasher', text: 'A loud blender for smoothies.' },
      { title: 'Blender', text: 'A quiet dishwasher that runs at 42 dB.' },
    ];
    const byText = await v1().rerank({ query: 'quiet dishwasher', documents, returnDocuments: true });
    expect(byText.results[0]!.index).toBe(1);
    expect(byText.results[0]!.document).toEqual(documents[1]);
    strictlyParsed(serializers.RerankResponse);
    const byTitle = await v1().rerank({ query: 'quiet dishwasher', documents, rankFields: ['title'] });
    expect(byTitle.results[0]!.index).toBe(0);
    strictlyParsed(serializers.RerankResponse);
  });

  it('ignores catalog-like keys of another type as metadata, with a warning in meta', async () => {
    const res = await v1().rerank({
      query: 'quiet dishwasher',
      documents: [{ text: 'A loud blender.', price: 'cheap' }, { text: 'A quiet dishwasher.', rating: 'five stars', brand: 'Bosch' }],
    });
    expect(res.results.map((r) => r.index)).toEqual([1, 0]);
    expect(res.meta?.warnings).toEqual([
      expect.stringMatching(/^documents\.0\.price: .*number.*ignored as metadata$/),
      expect.stringMatching(/^documents\.1\.rating: .*number.*ignored as metadata$/),
    ]);
    strictlyParsed(serializers.RerankResponse);
  });

  it('refuses an object whose ranked fields are all empty with a 400 naming its position', async () => {
    const call = v1().rerank({ query: 'dishwasher', documents: [{ text: 'a dishwasher' }, { text: 'a fridge' }, { text: 'an oven' }, { title: 'no text here' }] });
    await expect(call).rejects.toBeInstanceOf(Cohere.BadRequestError);
    const err = (await call.catch((e: unknown) => e)) as Cohere.BadRequestError;
    expect(JSON.stringify(err.body)).toMatch(/documents\.3: its ranked fields \(text\) are all empty/);
  });
});

describe('cohere-ai CohereClientV2 (v2)', () => {
  it('reranks strings with top_n, max_tokens_per_doc and priority; meta says version 2', async () => {
    const res = await v2().rerank({ model: 'rerank-v3.5', query: 'quiet dishwasher', documents: DOCS, topN: 3, maxTokensPerDoc: 256, priority: 0 });
    expect(res.results).toHaveLength(3);
    expect(res.results[0]!.index).toBe(1);
    expect(new Set(res.results.map((r) => r.index)).size).toBe(3);
    expect(res.meta?.apiVersion?.version).toBe('2');
    strictlyParsed(serializers.V2RerankResponse);
  });

  it('gives the same order through CohereClient.v2.rerank, and every document without top_n', async () => {
    const res = await v1().v2.rerank({ model: 'rerank-v3.5', query: 'capital of Nevada', documents: DOCS });
    expect(res.results).toHaveLength(DOCS.length);
    expect(res.results[0]!.index).toBe(0);
    expect(bodies.at(-1)!.url).toMatch(/\/v2\/rerank$/);
    strictlyParsed(serializers.V2RerankResponse);
  });
});

describe('compressed request bodies over real HTTP', () => {
  it('ranks a gzip or br body exactly as the same body sent plain; a body that inflates past the limit is a 413', async () => {
    const body = JSON.stringify({ query: 'quiet dishwasher', documents: DOCS, return_documents: true });
    const send = async (bytes: Uint8Array<ArrayBuffer> | string, encoding?: string) => {
      const res = await fetch(`${service.url}/v1/rerank`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/json', ...(encoding ? { 'content-encoding': encoding } : {}) } });
      return { status: res.status, body: (await res.json()) as { results: Array<{ index: number; relevance_score: number }>; error?: { message: string } } };
    };
    const plain = await send(body);
    expect(plain.status).toBe(200);
    for (const [encoding, bytes] of [['gzip', new Uint8Array(gzipSync(body))], ['br', new Uint8Array(brotliCompressSync(body))]] as const) {
      const compressed = await send(bytes, encoding);
      expect(compressed.status, encoding).toBe(200);
      expect(compressed.body.results, encoding).toEqual(plain.body.results);
    }
    const bomb = await send(new Uint8Array(gzipSync(Buffer.alloc(64 * 1024 * 1024, 32))), 'gzip');
    expect(bomb.status).toBe(413);
    expect(bomb.body.error?.message).toMatch(/once decompressed/);
  });
});
