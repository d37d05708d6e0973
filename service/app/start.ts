/**
 * `start()` wires the real dependencies (Elasticsearch client, encoder pool), checks them, and listens.
 * It refuses to start when an encoder cannot be loaded, naming it.
 */
import { encoderContext, encoderFingerprint } from '../encoders/registry.ts';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.ts';
import { createApp } from './app.ts';
import { createEsClient } from '../es/client.ts';
import { createEncoderPool } from '../pool/pool.ts';
import { openHeadStore } from '../heads/store.ts';
import { featureNames } from '../features/assemble.ts';
import { createQueryEmbedder } from '../usecases/embed.ts';
import { createDocumentEmbedder } from '../usecases/document-embeddings.ts';

export interface RunningService {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the service on `config.service.host:port` (port 0 picks a free one).
 *
 * @example const svc = await start(loadConfig()); console.log(svc.url); await svc.close();
 */
export async function start(config: Config): Promise<RunningService> {
  const es = createEsClient({ url: config.es.url, timeoutMs: config.es.timeoutMs });
  const pool = createEncoderPool({
    threads: config.pool.threads,
    maxQueue: config.pool.maxQueue,
    chunkMs: config.pool.chunkMs,
    // Small chunks, so one request of 17+ texts (a rerank over inline documents) runs on every worker at once.
    batchSize: 16,
    context: encoderContext(config),
  });
  try {
    for (const id of config.retrieval.textEncoders) await pool.warm(id);
  } catch (err) {
    await pool.close();
    throw err;
  }
  const heads = await openHeadStore({ dir: config.headsDir, rerankFeatures: featureNames({ textEncoders: config.retrieval.textEncoders, interactionDims: config.retrieval.interactionDims }) });
  // A head that does not load (broken file, features of another configuration) is not served: say so at start,
  // not only when a request asks for it.
  for (const { file, error } of heads.refused()) console.warn(`strata: head artifact refused, not served: ${file}: ${error}`);
  const fingerprints = new Map(await Promise.all(config.retrieval.textEncoders.map(async (e) => [e, await encoderFingerprint(e, encoderContext(config))] as const)));
  const documentEmbedder = config.service.documentCacheBytes > 0
    ? createDocumentEmbedder(pool, { maxBytes: config.service.documentCacheBytes, fingerprint: (e) => fingerprints.get(e) ?? e })
    : undefined;
  const app = createApp({ config, es, pool, heads, queryEmbedder: createQueryEmbedder(pool), ...(documentEmbedder ? { documentEmbedder } : {}) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.service.host, port: config.service.port }, () => resolve(s));
    s.once('error', reject);
  });
  // Longer than the idle timeout of common proxies and clients (60 s), so nobody reuses a socket the service has
  // just closed (Node's 5 s default makes keep-alive clients race it and see ECONNRESET).
  if ('keepAliveTimeout' in server) server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.service.host}:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      heads.close();
      await pool.close();
      await es.close();
    },
  };
}
