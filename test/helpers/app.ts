/** Builds the real app for in-process tests: real Elasticsearch client, real pool, a head store on a temp dir. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../../service/config.ts';
import type { EncoderPool } from '../../service/pool/pool.ts';
import { createApp } from '../../service/app/app.ts';
import { openHeadStore, type HeadStore } from '../../service/heads/store.ts';
import { featureNames } from '../../service/features/assemble.ts';
import { createQueryEmbedder } from '../../service/usecases/embed.ts';
import { createDocumentEmbedder } from '../../service/usecases/document-embeddings.ts';

/**
 * The request log is off unless the test passes `log` (a sink for its lines), so test output stays readable.
 *
 * @example const { app } = await makeApp({ config, es, pool, log: (line) => lines.push(line) });
 */
export async function makeApp({ config, es, pool, headsDir, log }: { config: Config; es: Client; pool: EncoderPool; headsDir?: string; log?: (line: string) => void }) {
  const dir = headsDir ?? (await mkdtemp(path.join(tmpdir(), 'strata-heads-')));
  const heads: HeadStore = await openHeadStore({ dir, rerankFeatures: featureNames({ textEncoders: config.retrieval.textEncoders, interactionDims: config.retrieval.interactionDims }) });
  const documentEmbedder = createDocumentEmbedder(pool, { maxBytes: config.service.documentCacheBytes });
  const app = createApp({
    config: { ...config, headsDir: dir, log: { ...config.log, requests: log !== undefined } },
    es,
    pool,
    heads,
    queryEmbedder: createQueryEmbedder(pool),
    documentEmbedder,
    ...(log ? { log } : {}),
  });
  return { app, heads, headsDir: dir, documentEmbedder };
}
