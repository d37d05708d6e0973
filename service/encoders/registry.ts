/**
 * The encoder registry (the manifest): every encoder's spec and how to build it. The index mapping takes its
 * vector fields and dims from here; pool workers build encoders from here by id.
 */
import type { Encoder, EncoderSpec } from './types.ts';
import { CHARGRAM_SPEC, createChargramEncoder } from './chargram.ts';
import { MINILM_SPEC, createMiniLMEncoder } from './minilm.ts';
import { MPNET_SPEC, createMPNetEncoder } from './mpnet.ts';
import { createNumberEncoder } from './number.ts';
import { createCategoryEncoder } from './category.ts';
import { createRecencyEncoder } from './recency.ts';
import { createGeoEncoder } from './geo.ts';
import { createTimeseriesEncoder } from './timeseries.ts';
import { MOBILENET_SPEC, createMobileNetEncoder } from './mobilenet.ts';
import { STATIC_SPEC, createStaticEncoder } from './static.ts';
import type { Config } from '../config.ts';
import { strataError } from '../errors.ts';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readManifest } from '../models/manifest.ts';
import { DEFAULT_MINILM_VARIANT, modelDir, onnxFile, type OnnxVariant } from '../models/paths.ts';
import { MINILM } from '../models/prepare-minilm.ts';
import { MPNET } from '../models/prepare-mpnet.ts';

/** What a worker knows about its environment (passed as plain data, never read from process.env). */
export interface EncoderContext {
  modelsDir: string;
  /** onnxruntime intra-op threads per session. */
  intraOpThreads?: number;
  /** The source MobileNetV2 ONNX file, prepared into the models dir on first use. */
  imageModel?: string;
  /** The graph `text/minilm` runs (`text/minilm-int8` is always int8). */
  minilmVariant?: OnnxVariant;
}

/**
 * The context pool workers get, from the config.
 *
 * @example createEncoderPool({ context: encoderContext(config) })
 */
export function encoderContext(config: Pick<Config, 'modelsDir' | 'models'>): EncoderContext {
  return { modelsDir: config.modelsDir, intraOpThreads: config.models.onnxThreads, imageModel: config.models.imageModel, minilmVariant: config.models.minilmVariant };
}

interface Entry {
  spec: EncoderSpec;
  create(ctx: EncoderContext): Promise<Encoder<unknown>>;
  /** The graph file the encoder runs, when it has weights on disk (part of its fingerprint). */
  graphFile?(ctx: EncoderContext): string;
}

const miniLMGraph = (variant: OnnxVariant) => (ctx: EncoderContext) => onnxFile(modelDir(ctx.modelsDir, MINILM.name), variant);
const mpnetGraph = (variant: OnnxVariant) => (ctx: EncoderContext) => onnxFile(modelDir(ctx.modelsDir, MPNET.name), variant);

/** An entry for an encoder that needs no weights: built once, its spec read from the instance. */
function plain(encoder: Encoder<never>): Entry {
  return { spec: encoder.spec, create: async () => encoder as Encoder<unknown> };
}

const ENTRIES: Entry[] = [
  { spec: CHARGRAM_SPEC, create: async () => createChargramEncoder() as Encoder<unknown> },
  {
    spec: MINILM_SPEC,
    create: async (ctx) => (await createMiniLMEncoder({ modelsDir: ctx.modelsDir, variant: ctx.minilmVariant ?? DEFAULT_MINILM_VARIANT, intraOpThreads: ctx.intraOpThreads ?? 1 })) as Encoder<unknown>,
    graphFile: (ctx) => miniLMGraph(ctx.minilmVariant ?? DEFAULT_MINILM_VARIANT)(ctx),
  },
  {
    spec: { ...MINILM_SPEC, id: 'text/minilm-int8', options: { variant: 'int8' }, preprocessing: `${MINILM_SPEC.preprocessing}; int8 weights, calibrated activation scales` },
    create: async (ctx) => {
      const enc = await createMiniLMEncoder({ modelsDir: ctx.modelsDir, variant: 'int8', intraOpThreads: ctx.intraOpThreads ?? 1 });
      return { ...enc, spec: { ...enc.spec, id: 'text/minilm-int8' } } as Encoder<unknown>;
    },
    graphFile: miniLMGraph('int8'),
  },
  // The accuracy option (768 dims, ~5x slower than MiniLM): registered, never in the default encoder list.
  {
    spec: MPNET_SPEC,
    create: async (ctx) => (await createMPNetEncoder({ modelsDir: ctx.modelsDir, variant: 'fp32', intraOpThreads: ctx.intraOpThreads ?? 1 })) as Encoder<unknown>,
    graphFile: mpnetGraph('fp32'),
  },
  {
    spec: { ...MPNET_SPEC, id: 'text/mpnet-int8', options: { variant: 'int8' }, preprocessing: `${MPNET_SPEC.preprocessing}; int8 weights, calibrated activation scales` },
    create: async (ctx) => {
      const enc = await createMPNetEncoder({ modelsDir: ctx.modelsDir, variant: 'int8', intraOpThreads: ctx.intraOpThreads ?? 1 });
      return { ...enc, spec: { ...enc.spec, id: 'text/mpnet-int8' } } as Encoder<unknown>;
    },
    graphFile: mpnetGraph('int8'),
  },
  { spec: STATIC_SPEC, create: async (ctx) => (await createStaticEncoder({ modelsDir: ctx.modelsDir })) as Encoder<unknown> },
  {
    spec: MOBILENET_SPEC,
    create: async (ctx) =>
      (await createMobileNetEncoder({
        modelsDir: ctx.modelsDir,
        ...(ctx.imageModel ? { sourceModel: ctx.imageModel } : {}),
        intraOpThreads: ctx.intraOpThreads ?? 1,
      })) as Encoder<unknown>,
  },
  plain(createNumberEncoder({ id: 'number/price', scale: 'log', min: 1, max: 100_000 })),
  plain(createNumberEncoder({ id: 'number/rating', scale: 'linear', min: 0, max: 5 })),
  plain(createCategoryEncoder({ id: 'category/path' })),
  plain(createRecencyEncoder({ id: 'recency/release' })),
  plain(createGeoEncoder({ id: 'geo/location' })),
  plain(createTimeseriesEncoder({ id: 'timeseries/series' })),
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

/**
 * What identifies an encoder's output, for caches of its vectors: id and spec version, plus the sha256 of the
 * graph file it runs (from its folder's manifest; size and time when the manifest does not list it), so a
 * re-converted or replaced model never serves vectors cached from the old one.
 *
 * @example await encoderFingerprint('text/minilm', encoderContext(config)) // 'text/minilm@1:53aa51...'
 */
export async function encoderFingerprint(id: string, ctx: EncoderContext): Promise<string> {
  const entry = BY_ID.get(id);
  if (!entry) throw strataError('validation', { summary: `unknown encoder "${id}"` });
  const base = `${id}@${entry.spec.version}`;
  const file = entry.graphFile?.(ctx);
  if (!file) return base;
  const dir = path.dirname(path.dirname(file));
  const listed = (await readManifest(dir))?.files[path.relative(dir, file).split(path.sep).join('/')];
  if (listed) return `${base}:${listed.sha256}`;
  const info = await stat(file).catch(() => undefined);
  return info ? `${base}:${info.size}-${info.mtimeMs}` : base;
}

/** The ES field that holds an encoder's vectors, e.g. `text/chargram` -> `vec_text_chargram`. */
export function vectorField(id: string): string {
  return `vec_${id.replace(/[^a-z0-9]+/gi, '_')}`;
}
