/**
 * Bundles the web page (`service/web/src/main.tsx`, preact + CSS) with esbuild, in memory: the service builds it
 * once, on the first request for the page, so `npm start` after a plain `npm install` (or a source edit) serves
 * the current code without a build step or files written next to the sources.
 */
import path from 'node:path';
import { build } from 'esbuild';

export interface WebAsset {
  body: Uint8Array;
  type: string;
}

const SRC = path.join(import.meta.dirname, 'src');
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * Builds the page's script and stylesheet; keys are the file names the HTML links (`app.js`, `app.css`).
 *
 * @example const assets = await buildWebAssets(); assets.get('app.js')!.body.length
 */
export async function buildWebAssets({ minify = true }: { minify?: boolean } = {}): Promise<Map<string, WebAsset>> {
  const result = await build({
    entryPoints: { app: path.join(SRC, 'main.tsx') },
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify,
    sourcemap: false,
    write: false,
    outdir: 'out',
    logLevel: 'silent',
    legalComments: 'none',
  });
  const assets = new Map<string, WebAsset>();
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    assets.set(name, { body: file.contents, type: TYPES[path.extname(name)] ?? 'application/octet-stream' });
  }
  return assets;
}
