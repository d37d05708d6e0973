/** What the app needs from the outside world, passed to `createApp` (no module-level singletons). */
import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../config.ts';
import type { EncoderPool } from '../pool/pool.ts';
import type { HeadStore } from '../heads/store.ts';
import type { QueryEmbedder } from '../usecases/embed.ts';
import type { DocumentEmbedder } from '../usecases/document-embeddings.ts';

export interface AppDeps {
  config: Config;
  es: Client;
  pool: EncoderPool;
  heads: HeadStore;
  queryEmbedder: QueryEmbedder;
  /** Inline documents' vectors, computed once (content-addressed cache in front of the pool). */
  documentEmbedder?: DocumentEmbedder;
  /** Where request-log lines go (default: stdout); tests capture them here. */
  log?: (line: string) => void;
}
