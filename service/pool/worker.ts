/**
 * The pool's worker entry: a thin adapter that builds encoders once per worker (memoised, evicted on failure)
 * and returns each batch with its vector buffer transferred, not copied.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { createEncoder, type EncoderContext } from '../encoders/registry.ts';
import type { EncodedBatch, Encoder } from '../encoders/types.ts';

export interface EncodeTask {
  encoder: string;
  inputs: unknown[];
}

const encoders = new Map<string, Promise<Encoder<unknown>>>();
const context = (workerData ?? { modelsDir: '' }) as EncoderContext;

function encoderFor(id: string): Promise<Encoder<unknown>> {
  let pending = encoders.get(id);
  if (!pending) {
    pending = createEncoder(id, context);
    pending.catch(() => encoders.delete(id));
    encoders.set(id, pending);
  }
  return pending;
}

/** Encodes one batch; the result's buffer moves to the calling thread. */
export async function encode(task: EncodeTask) {
  const batch: EncodedBatch = await (await encoderFor(task.encoder)).encode(task.inputs);
  return move({ [transferableSymbol]: [batch.vectors.buffer], [valueSymbol]: batch } as never);
}

/** Loads an encoder ahead of the first request (start-up checks, `readyz`). */
export async function warm(task: { encoder: string }): Promise<boolean> {
  await encoderFor(task.encoder);
  return true;
}
