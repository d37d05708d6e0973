/**
 * Image inputs for vision encoders: read bytes from a local path, a `file:` URL or an http(s) URL (with a timeout
 * and a size cap), decode with sharp, and turn the pixels into the float tensor a CNN expects. Failures are
 * `ImageInputError`s whose message starts with the source, so an encoder can report them per item.
 */
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/** A path, a `file:`/`http:`/`https:` URL, or the encoded image bytes themselves. */
export type ImageInput = string | Uint8Array;

export interface ReadImageOptions {
  /** Whole-request budget for http(s) sources (headers and body). */
  fetchTimeoutMs?: number;
  /** Larger sources are refused before they are decoded. */
  maxBytes?: number;
}

export interface DecodeImageOptions {
  /** Output is `size` x `size`. */
  size?: number;
  /**
   * `contain` (default) keeps the whole picture and pads it; `cover` fills the square and crops the overflow.
   * Catalogue photos are shot on a plain background with the product filling the frame, so cropping would cut
   * off the very parts (toes of a shoe, hem of a dress) that tell articles apart, while padding only adds more
   * of the background the photo already has.
   */
  fit?: 'contain' | 'cover';
  /** Padding and the colour transparent pixels are flattened onto. */
  background?: { r: number; g: number; b: number };
  /** Decoding refuses images with more pixels (decompression bombs). */
  maxPixels?: number;
}

/** An input that could not be read or decoded; `message` names the source. */
export class ImageInputError extends Error {
  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'ImageInputError';
  }
}

/** Formats decoded as pictures; SVG and PDF are refused because rendering them can reach files and URLs. */
const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif']);

/** A short, stable description of an input for messages (bytes are not echoed). */
export function describeImageInput(input: unknown): string {
  if (typeof input === 'string') return input.length > 300 ? `${input.slice(0, 300)}...` : input;
  if (input instanceof Uint8Array) return `<${input.length} bytes>`;
  return `<${input === null ? 'null' : typeof input}>`;
}

/**
 * Reads the encoded bytes of an image source.
 *
 * @example const bytes = await readImageBytes('https://example.com/a.jpg', { fetchTimeoutMs: 5000 });
 */
export async function readImageBytes(input: ImageInput, options: ReadImageOptions = {}): Promise<Uint8Array> {
  const { fetchTimeoutMs = 10_000, maxBytes = 20 * 1024 * 1024 } = options;
  if (input instanceof Uint8Array) {
    if (input.length > maxBytes) throw new ImageInputError(describeImageInput(input), `larger than ${maxBytes} bytes`);
    return input;
  }
  if (typeof input !== 'string') throw new ImageInputError(describeImageInput(input), 'expected a path, a URL or bytes');
  if (/^https?:\/\//i.test(input)) return fetchBytes(input, fetchTimeoutMs, maxBytes);
  let file = input;
  if (/^file:/i.test(input)) {
    try {
      file = fileURLToPath(input);
    } catch (err) {
      throw new ImageInputError(input, `invalid file URL (${(err as Error).message})`);
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    throw new ImageInputError(input, 'unsupported URL scheme (use a path, file:, http: or https:)');
  }
  return readFileCapped(input, file, maxBytes);
}

async function readFileCapped(source: string, file: string, maxBytes: number): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImageInputError(source, code === 'ENOENT' ? 'file not found' : `cannot open (${code ?? (err as Error).message})`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ImageInputError(source, 'not a regular file');
    if (info.size > maxBytes) throw new ImageInputError(source, `file is ${info.size} bytes, more than the ${maxBytes} allowed`);
    return await handle.readFile();
  } catch (err) {
    if (err instanceof ImageInputError) throw err;
    throw new ImageInputError(source, `cannot read (${(err as Error).message})`);
  } finally {
    await handle.close();
  }
}

async function fetchBytes(url: string, timeoutMs: number, maxBytes: number): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal, redirect: 'follow' });
    if (!response.ok) {
      await response.body?.cancel();
      throw new ImageInputError(url, `HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new ImageInputError(url, `response is ${declared} bytes, more than the ${maxBytes} allowed`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    // Content-Length may be absent or wrong: count what actually arrives and stop at the cap.
    for await (const chunk of response.body ?? []) {
      total += chunk.length;
      if (total > maxBytes) throw new ImageInputError(url, `response exceeds the ${maxBytes} bytes allowed`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  } catch (err) {
    if (err instanceof ImageInputError) throw err;
    if (signal.aborted) throw new ImageInputError(url, `no complete response within ${timeoutMs} ms`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ImageInputError(url, `fetch failed (${cause?.code ?? cause?.message ?? (err as Error).message})`);
  }
}

/**
 * Decodes encoded image bytes into `size` x `size` RGB pixels (row-major, interleaved, 3 bytes per pixel):
 * EXIF orientation applied, transparency flattened onto the background, colour converted to sRGB.
 *
 * @example const rgb = await decodeImage(bytes, { size: 224 }); // rgb.length === 224 * 224 * 3
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeImageOptions & { source?: string } = {}): Promise<Uint8Array> {
  const { size = 224, fit = 'contain', background = { r: 255, g: 255, b: 255 }, maxPixels = 50_000_000, source = describeImageInput(bytes) } = options;
  try {
    const meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
    if (!RASTER_FORMATS.has(meta.format ?? '')) throw new ImageInputError(source, `unsupported image format "${meta.format ?? 'unknown'}"`);
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' })
      .rotate()
      .flatten({ background })
      .resize(size, size, { fit, background, kernel: 'lanczos3' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== size * size * 3) {
      throw new ImageInputError(source, `decoded to ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x3`);
    }
    return data;
  } catch (err) {
    if (err instanceof ImageInputError) throw err;
    throw new ImageInputError(source, `not a readable image (${(err as Error).message.split('\n')[0]})`);
  }
}

/**
 * Writes interleaved RGB bytes as planar (channel-first) floats, `(pixel / 255 - mean[c]) / std[c]`, into `out`
 * starting at `offset` (one `[3, H, W]` slot of an `[N, 3, H, W]` batch).
 *
 * @example writeNormalizedChw(rgb, batch, i * 3 * 224 * 224, IMAGENET_MEAN, IMAGENET_STD);
 */
export function writeNormalizedChw(rgb: Uint8Array, out: Float32Array, offset: number, mean: readonly number[], std: readonly number[]): void {
  const pixels = rgb.length / 3;
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * std[c]!);
    const shift = mean[c]! / std[c]!;
    const base = offset + c * pixels;
    for (let p = 0; p < pixels; p++) out[base + p] = rgb[p * 3 + c]! * scale - shift;
  }
}

/** ImageNet channel statistics used by torchvision-trained CNNs. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
