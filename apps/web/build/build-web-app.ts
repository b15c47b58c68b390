import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';

const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the built app lives (out of git): `index.html`, `assets/app.js`, `assets/app.css`, viewer icons. */
export const webAppDirectory = path.join(webRoot, 'dist');

/**
 * OpenSeadragon 6 injects a `<style>` element (a focus-outline rule for touch screens), which the
 * page's policy (`style-src 'self'`) blocks with a console error. The same rule is in app.css;
 * here the injection is turned into a no-op. An OpenSeadragon that changes the snippet fails the build.
 */
const openSeadragonWithoutInlineStyle: Plugin = {
  name: 'openseadragon-without-inline-style',
  setup(builder) {
    builder.onLoad(
      { filter: /openseadragon[\\/]build[\\/]openseadragon[\\/]openseadragon\.js$/ },
      async (arguments_) => {
        const source = await readFile(arguments_.path, 'utf8');
        const guard = "if (!document.querySelector('style[data-openseadragon-mobile-css]'))";
        if (!source.includes(guard))
          return {
            errors: [
              { text: `OpenSeadragon changed how it injects its mobile CSS; re-check ${guard} in build-web-app.ts` },
            ],
          };
        return { contents: source.replace(guard, 'if (false)'), loader: 'js' };
      },
    );
  },
};

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
    plugins: [openSeadragonWithoutInlineStyle],
  });
  await cp(path.join(webRoot, 'public'), staging, { recursive: true });
  const openSeadragonImages = path.join(path.dirname(fileURLToPath(import.meta.resolve('openseadragon'))), 'images');
  await cp(openSeadragonImages, path.join(staging, 'assets/openseadragon-images'), { recursive: true });
  await rm(webAppDirectory, { recursive: true, force: true });
  await rename(staging, webAppDirectory);
  const bundleBytes =
    (await stat(path.join(webAppDirectory, 'assets/app.js'))).size +
    (await stat(path.join(webAppDirectory, 'assets/app.css'))).size;
  return { directory: webAppDirectory, bundleBytes };
}

/** Build only when there is no build yet (a fresh clone whose `npm install` skipped scripts). */
export async function ensureWebAppBuilt(): Promise<string> {
  const built = await stat(path.join(webAppDirectory, 'index.html')).then(
    () => true,
    () => false,
  );
  if (!built) await buildWebApp();
  return webAppDirectory;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { directory, bundleBytes } = await buildWebApp();
  console.log(
    `web app built in ${path.relative(process.cwd(), directory) || directory}: ${(bundleBytes / 1024).toFixed(0)} KiB of script and style`,
  );
}
