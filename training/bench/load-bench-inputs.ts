/**
 * Realistic benchmark inputs per modality: SciFact abstracts (throughput) and queries (latency) for text, the
 * fashion-products photos for images, the same catalogue's category paths, and seeded synthetic values for
 * numbers, dates, places and series. Encoder speed depends on input size (tokens, pixels, series length), so
 * toy inputs would flatter the slow encoders.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EncoderSpec } from '../../service/encoders/types.ts';
import { readBeirCorpus, readBeirQueries } from '../data/beir.ts';
import { createRng } from '../eval/stats.ts';

export interface BenchInputs {
  /** Items for the throughput runs (batch 1 and batch 32), cycled when a run needs more. */
  throughput: unknown[];
  /** Items sent one per call for the latency runs, cycled likewise. */
  latency: unknown[];
  /** What the items are, for the report. */
  description: string;
}

export interface BenchSources {
  /** A BEIR folder (SciFact): `corpus.jsonl` and `queries.jsonl`. */
  scifact: string;
  /** The fashion-products folder: `images/*.jpg` and `styles.csv`. */
  fashion: string;
  /** Items kept per source (the runs cycle through them). */
  limit?: number;
}

const DAY_MS = 86_400_000;
const SERIES_LENGTH = 256;

/**
 * Seeded synthetic inputs for the modalities that take plain values; `undefined` for the ones that need data
 * files (text, image, category). Numbers follow the encoder's own range and scale from its spec.
 *
 * @example syntheticInputs({ modality: 'geo', ... } as EncoderSpec, 2, 7) // [{ lat, lon }, { lat, lon }]
 */
export function syntheticInputs(spec: EncoderSpec, count: number, seed = 1): unknown[] | undefined {
  const rand = createRng(seed);
  const make = (f: () => unknown) => Array.from({ length: count }, f);
  switch (spec.modality) {
    case 'number': {
      const min = typeof spec.options?.min === 'number' ? spec.options.min : 0;
      const max = typeof spec.options?.max === 'number' ? spec.options.max : 1;
      if (spec.options?.scale === 'log') {
        // Log-uniform, like prices: as many 10-100 items as 1,000-10,000 ones.
        const lo = Math.log(Math.max(min, 1));
        const hi = Math.log(max);
        return make(() => Math.round(Math.exp(lo + rand() * (hi - lo)) * 100) / 100);
      }
      return make(() => min + rand() * (max - min));
    }
    case 'recency': {
      const base = Date.UTC(2026, 0, 1);
      return make(() => new Date(base - Math.floor(rand() * 5 * 365) * DAY_MS).toISOString().slice(0, 10));
    }
    case 'geo':
      // Uniform on the sphere (not in lat/lon), so the poles are not over-represented.
      return make(() => ({ lat: (Math.asin(2 * rand() - 1) * 180) / Math.PI, lon: rand() * 360 - 180 }));
    case 'timeseries':
      return make(() => syntheticSeries(rand, SERIES_LENGTH));
    default:
      return undefined;
  }
}

/** A sensor-like series: level, linear trend, a 7-step cycle and noise. */
function syntheticSeries(rand: () => number, length: number): number[] {
  const level = 10 + rand() * 90;
  const trend = (rand() - 0.5) * 0.2;
  const amplitude = rand() * 10;
  return Array.from({ length }, (_, t) => level + trend * t + amplitude * Math.sin((2 * Math.PI * t) / 7) + (rand() - 0.5) * 4);
}

/**
 * The inputs for one encoder, or a reason it has none (an unknown modality, a missing data folder).
 *
 * @example const inputs = await loadBenchInputs(encoderSpec('text/minilm'), { scifact, fashion });
 */
export async function loadBenchInputs(spec: EncoderSpec, sources: BenchSources): Promise<BenchInputs> {
  const limit = sources.limit ?? 2048;
  const synthetic = syntheticInputs(spec, limit);
  if (synthetic) return { throughput: synthetic, latency: synthetic, description: describeSynthetic(spec) };
  switch (spec.modality) {
    case 'text': {
      const abstracts: string[] = [];
      for await (const doc of readBeirCorpus(sources.scifact)) {
        // Title and abstract on separate lines, as indexing embeds a SciFact document (embeddingText).
        abstracts.push([doc.title.trim(), doc.text].filter(Boolean).join('\n'));
        if (abstracts.length >= limit) break;
      }
      const queries: string[] = [];
      for await (const q of readBeirQueries(sources.scifact)) {
        queries.push(q.text);
        if (queries.length >= limit) break;
      }
      return { throughput: abstracts, latency: queries, description: 'throughput: SciFact title + abstract; latency: SciFact queries' };
    }
    case 'image': {
      const dir = path.join(sources.fashion, 'images');
      const files = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.jpg')).sort().slice(0, limit);
      if (files.length === 0) throw new Error(`no .jpg files in ${dir}`);
      const paths = files.map((f) => path.join(dir, f));
      return { throughput: paths, latency: paths, description: `fashion-products JPEG paths (${dir}), decoded and resized by the encoder` };
    }
    case 'category': {
      const file = path.join(sources.fashion, 'styles.csv');
      const paths = categoryPaths(await readFile(file, 'utf8')).slice(0, limit);
      if (paths.length === 0) throw new Error(`no category paths in ${file}`);
      return { throughput: paths, latency: paths, description: `fashion-products masterCategory/subCategory/articleType paths (${file})` };
    }
    default:
      throw new Error(`no benchmark inputs for modality "${spec.modality}"`);
  }
}

/**
 * `masterCategory/subCategory/articleType` for each row of the fashion `styles.csv` (the first columns hold no
 * commas or quotes; rows too short are skipped).
 *
 * @example categoryPaths('id,gender,masterCategory,subCategory,articleType\n1,Men,Apparel,Topwear,Shirts') // ['Apparel/Topwear/Shirts']
 */
export function categoryPaths(csv: string): string[] {
  const [header, ...rows] = csv.split(/\r?\n/);
  const columns = (header ?? '').split(',');
  const at = ['masterCategory', 'subCategory', 'articleType'].map((c) => columns.indexOf(c));
  if (at.some((i) => i < 0)) throw new Error('styles.csv: expected masterCategory, subCategory and articleType columns');
  return rows
    .map((row) => row.split(','))
    .filter((cells) => at.every((i) => cells[i]?.trim()))
    .map((cells) => at.map((i) => cells[i]!.trim()).join('/'));
}

function describeSynthetic(spec: EncoderSpec): string {
  switch (spec.modality) {
    case 'number':
      return `synthetic ${spec.options?.scale === 'log' ? 'log-uniform' : 'uniform'} values over [${String(spec.options?.min)}, ${String(spec.options?.max)}]`;
    case 'recency':
      return 'synthetic ISO dates over the 5 years before 2026-01-01';
    case 'geo':
      return 'synthetic points uniform on the sphere';
    case 'timeseries':
      return `synthetic series of ${SERIES_LENGTH} points (level, trend, 7-step cycle, noise)`;
    default:
      return 'synthetic';
  }
}
