/**
 * The encoder registry (the manifest): every encoder's spec and how to build it. The index mapping takes its
 * vector fields and dims from here; pool workers build encoders from here by id.
 */
import type { Encoder, EncoderSpec } from './types.ts';
import { CHARGRAM_SPEC, createChargramEncoder } from './chargram.ts';
import { strataError } from '../errors.ts';

/** What a worker knows about its environment (passed as plain data, never read from process.env). */
export interface EncoderContext {
  modelsDir: string;
  /** onnxruntime intra-op threads per session. */
  intraOpThreads?: number;
}

interface Entry {
  spec: EncoderSpec;
  create(ctx: EncoderContext): Promise<Encoder<unknown>>;
}

const ENTRIES: Entry[] = [
  { spec: CHARGRAM_SPEC, create: async () => createChargramEncoder() as Encoder<unknown> },
];

const BY_ID = new Map(ENTRIES.map((e) => [e.spec.id, e]));

/** Every registered encoder's spec, in manifest order. */
export function listEncoderSpecs(): EncoderSpec[] {
  return ENTRIES.map((e) => e.spec);
}

/**
 * Looks up one encoder's spec; throws naming the id and the known ones.
 *
 * @example encoderSpec('text/chargram').dim // 384
 */
export function encoderSpec(id: string): EncoderSpec {
  const entry = BY_ID.get(id);
  if (!entry) throw strataError('validation', { summary: `unknown encoder "${id}" (known: ${[...BY_ID.keys()].join(', ')})` });
  return entry.spec;
}

/** Builds an encoder by id (once per worker: the pool's worker memoises the promise). */
export function createEncoder(id: string, ctx: EncoderContext): Promise<Encoder<unknown>> {
  const entry = BY_ID.get(id);
  if (!entry) return Promise.reject(strataError('validation', { summary: `unknown encoder "${id}"` }));
  return entry.create(ctx);
}

/** The ES field that holds an encoder's vectors, e.g. `text/chargram` -> `vec_text_chargram`. */
export function vectorField(id: string): string {
  return `vec_${id.replace(/[^a-z0-9]+/gi, '_')}`;
}
