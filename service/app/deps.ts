/** What the app needs from the outside world, passed to `createApp` (no module-level singletons). */
import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../config.ts';
import type { EncoderPool } from '../pool/pool.ts';
import type { HeadStore } from '../heads/store.ts';
import type { QueryEmbedder } from '../usecases/embed.ts';
import type { DocumentEmbedder } from '../usecases/document-embeddings.ts';
import type { VocabularyCache } from '../query/vocabulary-cache.ts';
import type { LlmParser } from '../query/llm-parser.ts';

export interface AppDeps {
  config: Config;
  es: Client;
  pool: EncoderPool;
  heads: HeadStore;
  queryEmbedder: QueryEmbedder;
  /** Inline documents' vectors, computed once (content-addressed cache in front of the pool). */
  documentEmbedder?: DocumentEmbedder;
  /** Query-understanding vocabularies per index (`createApp` makes one when not given). */
  vocabularies?: VocabularyCache;
  /** The optional LLM query parser (`createApp` makes one when the config names an endpoint). */
  llm?: LlmParser | undefined;
  /** Where request-log lines go (default: stdout); tests capture them here. */
  log?: (line: string) => void;
}
