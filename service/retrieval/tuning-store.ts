/**
 * What the service knows about each index's relevance setup, read from Elasticsearch and cached briefly: its
 * tuning (BM25 boosts, fusion, adapter name; see tuning.ts), the adapter itself (from the adapters folder) and
 * term statistics for request-local BM25. An index that cannot be read, or a named adapter that is missing, serves
 * with the defaults; `problems` says why (and it is logged once per index and version).
 */
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { LRUCache } from 'lru-cache';
import type { LexicalStats } from '../features/local-bm25.ts';
import { loadAdapter, type QueryAdapter } from './adapter.ts';
import { createTermStats } from './term-stats.ts';
import { readIndexTuning, type IndexTuning } from './tuning.ts';

export interface ResolvedTuning {
  tuning: IndexTuning | null;
  /** The query adapter the tuning names, loaded (null: none, or it could not be loaded). */
  adapter: QueryAdapter | null;
  problems: string[];
}

export interface IndexTuningStore {
  get(index: string, signal?: AbortSignal): Promise<ResolvedTuning>;
  termStats(index: string, stems: readonly string[], signal?: AbortSignal): Promise<LexicalStats>;
  /** Forgets cached tunings (after `strata train fusion` or `adapt` wrote one from this process). */
  invalidate(index?: string): void;
}

/**
 * A tuning store over an ES client; adapters are read from `adaptersDir`.
 *
 * @example const store = createIndexTuningStore({ client: es, adaptersDir: path.join(config.headsDir, 'adapters') });
 */
export function createIndexTuningStore({
  client,
  adaptersDir,
  ttlMs = 30_000,
  log = (m: string) => console.warn(m),
}: {
  client: Client;
  adaptersDir: string;
  ttlMs?: number;
  log?: (message: string) => void;
}): IndexTuningStore {
  const tunings = new LRUCache<string, Promise<ResolvedTuning>>({ max: 1000, ttl: ttlMs });
  const adapters = new LRUCache<string, Promise<QueryAdapter>>({ max: 100 });
  const logged = new Set<string>();
  const terms = createTermStats(client);

  async function resolve(index: string, signal?: AbortSignal): Promise<ResolvedTuning> {
    const problems: string[] = [];
    const { tuning, problem } = await readIndexTuning(client, index, signal);
    if (problem) problems.push(problem);
    let adapter: QueryAdapter | null = null;
    if (tuning?.adapter) {
      const { name, version } = tuning.adapter;
      const key = `${name}@${version}`;
      let pending = adapters.get(key);
      if (!pending) {
        pending = loadAdapter(adaptersDir, name);
        adapters.set(key, pending);
      }
      try {
        adapter = await pending;
        if (adapter.artifact.version !== version) {
          problems.push(`adapter "${name}" in ${path.join(adaptersDir, `${name}.json`)} is version ${adapter.artifact.version}, the index names ${version}: not applied`);
          adapter = null;
          adapters.delete(key);
        }
      } catch (err) {
        adapters.delete(key);
        problems.push(`adapter "${name}" named by index "${index}" could not be loaded: ${(err as Error).message}`);
      }
    }
    for (const p of problems) {
      if (!logged.has(p)) {
        logged.add(p);
        log(`strata: ${p}`);
      }
    }
    return { tuning, adapter, problems };
  }

  return {
    get(index, signal) {
      let pending = tunings.get(index);
      if (!pending) {
        pending = resolve(index, signal);
        tunings.set(index, pending);
        // A failed read (index missing, ES down) is not cached: the caller sees the error, the next call retries.
        pending.catch(() => tunings.delete(index));
      }
      return pending;
    },
    termStats: (index, stems, signal) => terms.get(index, stems, signal),
    invalidate(index) {
      if (index) tunings.delete(index);
      else tunings.clear();
    },
  };
}
