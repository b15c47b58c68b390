import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the built app lives (out of git): `index.html`, `assets/app.js`, `assets/app.css`, viewer icons. */
export const webAppDirectory = path.join(webRoot, 'dist');

/**
 * Bundle the browser app with esbuild: one minified script and one stylesheet, no CDN, no
 * inline code (the server sends a strict content security policy). Written to a temporary
 * folder and swapped in, so a server never serves a half-written build.
 *
 * @example
 * const { bundleBytes } = await buildWebApp();
 */
export async function buildWebApp(): Promise<{ directory: string; bundleBytes: number }> {
  const staging = `${webAppDirectory}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(path.join(staging, 'assets'), { recursive: true });
  await build({
    entryPoints: { app: path.join(webRoot, 'src/main.tsx') },
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: path.join(staging, 'assets'),
    loader: { '.css': 'css' },
    logLevel: 'warning',
    legalComments: 'none',
  });
  await cp(path.join(webRoot, 'public'), staging, { recursive: true });
  const openSeadragonImages = path.join(path.dirname(fileURLToPath(import.meta.resolve('openseadragon'))), 'images');
  await cp(openSeadragonImages, path.join(staging, 'assets/openseadragon-images'), { recursive: true });
  await rm(webAppDirectory, { recursive: true, force: true });
  await rename(staging, webAppDirectory);
  const bundleBytes = (await stat(path.join(webAppDirectory, 'assets/app.js'))).size + (await stat(path.join(webAppDirectory, 'assets/app.css'))).size;
  return { directory: webAppDirectory, bundleBytes };
}

/** Build only when there is no build yet (a fresh clone whose `npm install` skipped scripts). */
export async function ensureWebAppBuilt(): Promise<string> {
  const built = await stat(path.join(webAppDirectory, 'index.html')).then(() => true, () => false);
  if (!built) await buildWebApp();
  return webAppDirectory;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { directory, bundleBytes } = await buildWebApp();
  console.log(`web app built in ${path.relative(process.cwd(), directory) || directory}: ${(bundleBytes / 1024).toFixed(0)} KiB of script and style`);
}
