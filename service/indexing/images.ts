/** Image references in catalog rows. */
import path from 'node:path';

/** An image reference as the image encoder takes it: URLs as they are, relative paths against the catalog folder. */
export function resolveImage(image: string, base?: string): string {
  if (/^(https?|file):/i.test(image) || path.isAbsolute(image) || !base) return image;
  return path.resolve(base, image);
}
