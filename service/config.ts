/**
 * The one configuration module: every setting, its default and its environment name, validated at start-up.
 * Nothing else in the code base reads `process.env` (a lint rule enforces it).
 *
 * @example
 *   const config = loadConfig();            // from process.env
 *   const test = loadConfig({ STRATA_PORT: '0' });
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_MINILM_VARIANT } from './models/paths.ts';

/** The Elasticsearch version the project runs and builds its plugin against: pinned here only. */
export const ES_VERSION = '9.5.3';

/** The repository root (this file lives in `<root>/service/`); machine-local defaults are resolved from it. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

const ConfigSchema = z.object({
  STRATA_CACHE_DIR: z.string().default(path.join(os.homedir(), '.cache', 'strata')),
  STRATA_MODELS_DIR: z.string().optional(),
  /** One node's URL, or several of one cluster separated by commas (requests spread over them; a failed one retries on another). */
  STRATA_ES_URL: z
    .string()
    .default('http://127.0.0.1:9200')
    .refine((v) => v.split(',').every((u) => z.string().url().safeParse(u.trim()).success), 'must be a URL, or URLs of one cluster separated by commas'),
  STRATA_ES_PORT: int(9200),
  STRATA_ES_HEAP: z.string().default('1g'),
  STRATA_ES_USER: z.string().default('strata-es'),
  STRATA_ES_TIMEOUT_MS: int(30_000),
  // Where the managed node's zip, home, data and logs live (default: <cacheDir>/es, or /var/lib/strata/es as root).
  STRATA_ES_DIR: z.string().optional(),
  ES_JAVA_HOME: z.string().optional(),
  STRATA_HOST: z.string().default('127.0.0.1'),
  STRATA_PORT: int(8787),
  STRATA_INDEX: z.string().default('products'),
  /** Text encoders whose vectors are stored at indexing; the first one is the one kNN searches. */
  STRATA_TEXT_ENCODERS: z.string().default('text/minilm,text/chargram'),
  /**
   * Query-document interaction features (`ix:*`) the rerank assembler appends (0: none). Must equal the
   * `--interaction-dims` the served heads were trained with; a head trained otherwise is refused at load.
   */
  STRATA_INTERACTION_DIMS: int(0),
  STRATA_POOL_THREADS: int(Math.max(1, Math.min(2, os.availableParallelism()))),
  /** Inputs that may wait for a pool worker before calls are refused with 503. */
  STRATA_POOL_MAX_QUEUE: int(16_384),
  /** About how long one chunk of encoder work keeps a worker: the longest an abandoned request's work runs on. */
  STRATA_POOL_CHUNK_MS: int(100),
  /** Most encoder (worker) time one HTTP request may use, in ms (0: unbounded); over it is a 504. */
  STRATA_POOL_REQUEST_MS: int(60_000),
  /** HTTP requests under /v1 served at once; more are answered 503 with Retry-After at once. */
  STRATA_MAX_IN_FLIGHT: int(64),
  /** Origins (scheme://host:port, comma-separated, or *) allowed to write from a browser besides the service's own. */
  STRATA_ALLOWED_ORIGINS: z.string().default(''),
  STRATA_RRF_K: int(60),
  STRATA_WINDOW: int(100),
  STRATA_API_KEYS: z.string().optional(),
  STRATA_MAX_BODY_BYTES: int(10 * 1024 * 1024),
  /** Most documents one rerank or indexing request may carry (more is a 413). */
  STRATA_MAX_DOCUMENTS: int(1000),
  /** Where head artifacts (`<name>.json`) live. */
  STRATA_HEADS_DIR: z.string().optional(),
  /** How often a replica checks whether another one reloaded the heads (0: never). */
  STRATA_HEADS_POLL_MS: int(1000),
  /** Where `strata eval` / `data-quality` write reports (their `--report-dir` default); the web page reads them. */
  STRATA_REPORTS_DIR: z.string().default('reports'),
  STRATA_MAX_FIELD_CHARS: int(100_000),
  /** Megabytes of inline documents' vectors kept so repeated rerank calls do not embed them again (0: off). */
  STRATA_DOCUMENT_CACHE_MB: int(64),
  /** Model hub for `strata models pull` (any Hugging Face-compatible server). */
  STRATA_HUB_URL: z.string().url().default('https://huggingface.co'),
  /** Token for gated or private hub repositories. */
  STRATA_HUB_TOKEN: z.string().optional(),
  /** onnxruntime intra-op threads per session (per pool worker). */
  STRATA_ONNX_THREADS: int(1),
  /**
   * The graph `text/minilm` runs: `int8` (the default: 2.6x fp32's items/s, mean cosine 0.994 to fp32; SciFact kNN
   * nDCG@10 +0.002, Banking77 -0.39 points) or `fp32` (the reference, the accuracy option).
   */
  STRATA_MINILM_VARIANT: z.enum(['fp32', 'int8']).default(DEFAULT_MINILM_VARIANT),
  /** The MobileNetV2 ONNX file `image/mobilenet` is prepared from (copied with an extra feature output into the cache). */
  STRATA_IMAGE_MODEL: z.string().default(path.join(REPO_ROOT, '..', 'shared', 'models', 'mobilenetv2-12-int8', 'model.onnx')),
  /** How often a cached query-understanding vocabulary checks its index for changes. */
  STRATA_VOCABULARY_CHECK_MS: int(30_000),
  /** An OpenAI-compatible chat endpoint (base URL, e.g. http://127.0.0.1:8000/v1) for the optional LLM query parser; unset: off. */
  STRATA_LLM_URL: z.string().url().optional(),
  STRATA_LLM_MODEL: z.string().default(''),
  STRATA_LLM_API_KEY: z.string().optional(),
  /** Past this the LLM parser is abandoned and the built-in parser answers. */
  STRATA_LLM_TIMEOUT_MS: int(2000),
  /** The request log's format: `text` (one readable line per request) or `json` (one object per line). */
  STRATA_LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  /** Whether the service writes the request log. */
  STRATA_LOG_REQUESTS: z
    .enum(['true', 'false', '1', '0', 'on', 'off'])
    .default('true')
    .transform((v) => ['true', '1', 'on'].includes(v)),
});

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config {
  cacheDir: string;
  modelsDir: string;
  headsDir: string;
  /** Poll interval for following other replicas' head reloads (see service/heads/follow-reloads.ts); 0 disables. */
  headsPollMs: number;
  /** Absolute: the report directory the read-only reports API serves. */
  reportsDir: string;
  es: {
    url: string;
    port: number;
    heap: string;
    user: string;
    javaHome: string | undefined;
    timeoutMs: number;
    version: string;
    /** Directory of the managed local node (zip, home, data, logs); unset means the default for the caller. */
    dir?: string | undefined;
  };
  service: {
    host: string;
    port: number;
    index: string;
    apiKeys: string | undefined;
    maxBodyBytes: number;
    maxFieldChars: number;
    maxDocuments: number;
    maxInFlight: number;
    allowedOrigins: string[];
    /** Bytes of the inline-document embedding cache (0: off). */
    documentCacheBytes: number;
  };
  pool: { threads: number; maxQueue: number; chunkMs: number; requestMs: number };
  retrieval: { rrfK: number; window: number; textEncoders: string[]; interactionDims: number };
  models: { hubUrl: string; hubToken: string | undefined; onnxThreads: number; imageModel: string; minilmVariant: 'fp32' | 'int8' };
  understanding: {
    vocabularyCheckMs: number;
    /** The optional LLM parser; undefined when no URL is configured. */
    llm: { url: string; model: string; apiKey: string | undefined; timeoutMs: number } | undefined;
  };
  log: { format: 'text' | 'json'; requests: boolean };
}

/** Parses the environment (or the given record) into a typed config; throws naming every bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    cacheDir: c.STRATA_CACHE_DIR,
    modelsDir: c.STRATA_MODELS_DIR ?? path.join(c.STRATA_CACHE_DIR, 'models'),
    headsDir: c.STRATA_HEADS_DIR ?? path.join(c.STRATA_CACHE_DIR, 'heads'),
    headsPollMs: c.STRATA_HEADS_POLL_MS,
    reportsDir: path.resolve(c.STRATA_REPORTS_DIR),
    es: {
      url: c.STRATA_ES_URL,
      port: c.STRATA_ES_PORT,
      heap: c.STRATA_ES_HEAP,
      user: c.STRATA_ES_USER,
      javaHome: c.ES_JAVA_HOME,
      timeoutMs: c.STRATA_ES_TIMEOUT_MS,
      version: ES_VERSION,
      dir: c.STRATA_ES_DIR,
    },
    service: {
      host: c.STRATA_HOST,
      port: c.STRATA_PORT,
      index: c.STRATA_INDEX,
      apiKeys: c.STRATA_API_KEYS,
      maxBodyBytes: c.STRATA_MAX_BODY_BYTES,
      maxFieldChars: c.STRATA_MAX_FIELD_CHARS,
      maxDocuments: c.STRATA_MAX_DOCUMENTS,
      maxInFlight: Math.max(1, c.STRATA_MAX_IN_FLIGHT),
      allowedOrigins: c.STRATA_ALLOWED_ORIGINS.split(',').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean),
      documentCacheBytes: c.STRATA_DOCUMENT_CACHE_MB * 1024 * 1024,
    },
    pool: { threads: c.STRATA_POOL_THREADS, maxQueue: c.STRATA_POOL_MAX_QUEUE, chunkMs: Math.max(10, c.STRATA_POOL_CHUNK_MS), requestMs: c.STRATA_POOL_REQUEST_MS },
    retrieval: {
      rrfK: c.STRATA_RRF_K,
      window: c.STRATA_WINDOW,
      textEncoders: c.STRATA_TEXT_ENCODERS.split(',').map((s) => s.trim()).filter(Boolean),
      interactionDims: c.STRATA_INTERACTION_DIMS,
    },
    models: {
      hubUrl: c.STRATA_HUB_URL,
      hubToken: c.STRATA_HUB_TOKEN,
      onnxThreads: Math.max(1, c.STRATA_ONNX_THREADS),
      imageModel: path.resolve(c.STRATA_IMAGE_MODEL),
      minilmVariant: c.STRATA_MINILM_VARIANT,
    },
    understanding: {
      vocabularyCheckMs: c.STRATA_VOCABULARY_CHECK_MS,
      llm: c.STRATA_LLM_URL ? { url: c.STRATA_LLM_URL, model: c.STRATA_LLM_MODEL, apiKey: c.STRATA_LLM_API_KEY, timeoutMs: Math.max(1, c.STRATA_LLM_TIMEOUT_MS) } : undefined,
    },
    log: { format: c.STRATA_LOG_FORMAT, requests: c.STRATA_LOG_REQUESTS },
  };
}
