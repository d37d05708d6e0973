/**
 * Vocabularies cached per index. The first search on an index waits for its vocabulary; after that requests
 * never do: every `checkIntervalMs` a background check compares the index's signature (concrete indices, doc
 * and write counts) and rebuilds when it changed, serving the old vocabulary meanwhile. Writes through the
 * service's own document routes mark the index stale at once. At most `maxIndices` are kept (least recently
 * used goes first).
 */
import type { Client } from '@elastic/elasticsearch';
import { esCall } from '../es/client.ts';
import { strataError } from '../errors.ts';
import { fetchVocabularyFacts } from './fetch-vocabulary.ts';
import { compileVocabulary, type Vocabulary } from './vocabulary.ts';
import { understandQuery } from './understand.ts';

export interface VocabularyCache {
  /** The index's vocabulary (built on first use). */
  get(index: string, signal?: AbortSignal): Promise<Vocabulary>;
  /** Marks an index changed: the next `get` rebuilds in the background. */
  invalidate(index: string): void;
  /** How the cached vocabulary of an index was read, or undefined when none is cached. */
  info(index: string): { source: 'aggregations' | 'scan'; builtAt: Date; signature: string } | undefined;
}

interface Entry {
  vocabulary?: Vocabulary;
  source?: 'aggregations' | 'scan';
  signature?: string;
  builtAt?: Date;
  checkedAt: number;
  stale: boolean;
  pending?: Promise<void>;
}

/**
 * Doc and write counts of the concrete indices behind a name: changes whenever documents are added, replaced
 * or deleted, or an alias moves.
 *
 * @example await indexSignature(es, 'products') // 'products-2026...:1000:1000:0'
 */
export async function indexSignature(client: Client, index: string): Promise<string> {
  const res = await esCall(client, (c) => c.indices.stats({ index, metric: ['docs', 'indexing'] }));
  return Object.entries(res.indices ?? {})
    .map(([name, s]) => `${name}:${s.uuid ?? ''}:${s.primaries?.docs?.count ?? 0}:${s.primaries?.indexing?.index_total ?? 0}:${s.primaries?.indexing?.delete_total ?? 0}`)
    .sort()
    .join('|');
}

/**
 * A vocabulary cache over one Elasticsearch client.
 *
 * @example const vocabularies = createVocabularyCache(es); const v = await vocabularies.get('products');
 */
export function createVocabularyCache(client: Client, { checkIntervalMs = 30_000, maxIndices = 32, log = (m: string) => console.warn(m) } = {}): VocabularyCache {
  const entries = new Map<string, Entry>();

  const build = async (index: string, entry: Entry, signature?: string) => {
    const sig = signature ?? (await indexSignature(client, index));
    const { facts, source } = await fetchVocabularyFacts(client, index);
    const vocabulary = compileVocabulary(facts);
    // One parse compiles the recognisers' regular expressions, so the first real query does not pay for it.
    understandQuery('samsung 65 inch tv under $500 not black 4+ stars released this year', vocabulary);
    Object.assign(entry, { vocabulary, source, signature: sig, builtAt: new Date(), checkedAt: Date.now(), stale: false });
  };

  const refresh = (index: string, entry: Entry) => {
    entry.checkedAt = Date.now();
    entry.pending = (async () => {
      const sig = await indexSignature(client, index);
      if (entry.stale || sig !== entry.signature) await build(index, entry, sig);
    })()
      .catch((err: unknown) => log(`vocabulary of "${index}" not refreshed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => delete entry.pending);
  };

  return {
    async get(index, signal) {
      let entry = entries.get(index);
      if (entry) {
        entries.delete(index);
        entries.set(index, entry);
      } else {
        entry = { checkedAt: 0, stale: true };
        entries.set(index, entry);
        while (entries.size > maxIndices) entries.delete(entries.keys().next().value!);
      }
      if (!entry.vocabulary) {
        if (!entry.pending) {
          const e = entry;
          e.pending = build(index, e).finally(() => delete e.pending);
        }
        // The build is shared by every request for this index: an aborted request stops waiting for it (and
        // does not cancel it for the others).
        const pending = entry.pending!;
        pending.catch(() => entries.get(index) === entry && entries.delete(index));
        await untilAborted(pending, signal);
        return entry.vocabulary!;
      }
      if (!entry.pending && (entry.stale || Date.now() - entry.checkedAt >= checkIntervalMs)) refresh(index, entry);
      return entry.vocabulary;
    },
    invalidate(index) {
      const entry = entries.get(index);
      if (entry) entry.stale = true;
    },
    info(index) {
      const e = entries.get(index);
      return e?.vocabulary ? { source: e.source!, builtAt: e.builtAt!, signature: e.signature! } : undefined;
    },
  };
}

/** `promise`, or a rejection with `aborted` as soon as `signal` fires, whichever comes first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(strataError('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(strataError('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
