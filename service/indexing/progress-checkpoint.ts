/**
 * Where a `strata index` run got to, so a run cut short (Elasticsearch gone for longer than the retries wait)
 * resumes instead of starting over. Rows are acknowledged out of order (bulk requests run concurrently); the
 * checkpoint holds the watermark: every row up to `line` is done (indexed, refused and reported, or invalid).
 * Written atomically (temp file + rename), tied to the catalog file (path, size, mtime) and the target index.
 */
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const CheckpointSchema = z.object({
  file: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  index: z.string(),
  line: z.number().int().nonnegative(),
  indexed: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/**
 * The checkpoint for `file` and `index`, or undefined when there is none or it belongs to another file version
 * or index (the reason is returned then, to tell the user).
 *
 * @example const { checkpoint } = await readCheckpoint('.strata-index.checkpoint.json', 'catalog.jsonl', 'products-v2');
 */
export async function readCheckpoint(checkpointFile: string, file: string, index?: string): Promise<{ checkpoint?: Checkpoint; reason?: string }> {
  let raw: string;
  try {
    raw = await readFile(checkpointFile, 'utf8');
  } catch {
    return { reason: `no checkpoint at ${checkpointFile}` };
  }
  const parsed = CheckpointSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) return { reason: `${checkpointFile} is not a checkpoint` };
  const c = parsed.data;
  const info = await stat(file);
  if (c.file !== path.resolve(file) || c.size !== info.size || c.mtimeMs !== info.mtimeMs) return { reason: `${checkpointFile} was written for another version of ${c.file}` };
  if (index !== undefined && c.index !== index) return { reason: `${checkpointFile} was written for index ${c.index}, not ${index}` };
  return { checkpoint: c };
}

/**
 * Records progress (atomically).
 *
 * @example await writeCheckpoint(cp, { file: 'catalog.jsonl', index: 'products', line: 1200, indexed: 1180 });
 */
export async function writeCheckpoint(checkpointFile: string, p: { file: string; index: string; line: number; indexed: number }): Promise<void> {
  const info = await stat(p.file);
  const c: Checkpoint = { file: path.resolve(p.file), size: info.size, mtimeMs: info.mtimeMs, index: p.index, line: p.line, indexed: p.indexed, updatedAt: new Date().toISOString() };
  const tmp = `${checkpointFile}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(c, null, 2)}\n`);
  await rename(tmp, checkpointFile);
}

/** Removes the checkpoint (the run finished). */
export async function removeCheckpoint(checkpointFile: string): Promise<void> {
  await rm(checkpointFile, { force: true });
}

/**
 * Tracks rows in read order and tells the watermark: the last line before which every row is done.
 *
 * @example const w = createWatermark(); w.read(1); w.read(2); w.done(2); w.line() // 0; w.done(1); w.line() // 2
 */
export function createWatermark(start = 0) {
  const pending: number[] = [];
  const finished = new Set<number>();
  let mark = start;
  const advance = () => {
    while (pending.length && finished.has(pending[0]!)) {
      finished.delete(pending[0]!);
      mark = pending.shift()!;
    }
  };
  return {
    /** A row was read (lines come in increasing order). */
    read(line: number) {
      pending.push(line);
    },
    /** A row is done: acknowledged, refused, or invalid. */
    done(line: number) {
      finished.add(line);
      advance();
    },
    line: () => mark,
  };
}
