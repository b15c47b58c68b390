/**
 * Large pyramidal TIFF slides for the ingestion benchmarks, written once into
 * `.tmp/benchmarks/` and reused. libvips streams the whole thing (a small SVG of tissue
 * regions, enlarged, with a repeating texture of nuclei and stroma laid over it, saved as a
 * tiled pyramid: JPEG tiles, or deflate above 65,535 px a side, where sharp refuses JPEG), so
 * generating a 100,000² slide needs well under 1 GB of memory.
 */
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { projectRoot } from '@pathlens/models';

export interface SyntheticSlideSpec {
  /** Level-0 side, px (square slides). */
  sizePx: number;
  /** µm per level-0 pixel written in the resolution tags: 0.252 is an Aperio 40× scan. */
  mppLevel0: number;
  /** Share of the slide's area covered by tissue, roughly (0–1). */
  tissueShare: number;
  /** Lay nuclei and fibres over the stain (default true); without, flat stain that is cheaper to generate. */
  textured?: boolean;
}

/** Where benchmark inputs (slides, generated models) are cached between runs. */
export const benchmarkCacheDir = path.join(projectRoot, '.tmp', 'benchmarks');

/** The slide for `spec`, generated on first use; returns its path. */
export async function syntheticSlide(
  spec: SyntheticSlideSpec,
  log: (line: string) => void = console.log,
): Promise<string> {
  const textured = spec.textured ?? true;
  const name = `synthetic-${spec.sizePx}px-mpp${spec.mppLevel0}-tissue${Math.round(spec.tissueShare * 100)}${textured ? '' : '-flat'}.tiff`;
  const filePath = path.join(benchmarkCacheDir, name);
  if (
    await stat(filePath).then(
      () => true,
      () => false,
    )
  )
    return filePath;
  await mkdir(benchmarkCacheDir, { recursive: true });
  log(`generating ${name} (once; cached in ${path.relative(projectRoot, benchmarkCacheDir)}/) …`);
  const startedMs = performance.now();
  const partial = `${filePath}.partial-${process.pid}`;
  const pixelsPerMm = 1000 / spec.mppLevel0;
  // sharp refuses JPEG compression for an image over 65,535 px a side, even in 256² tiles: larger slides get deflate
  // tiles.
  const compression =
    spec.sizePx <= 65_535
      ? ({ compression: 'jpeg', quality: 80 } as const)
      : ({ compression: 'deflate', predictor: 'none' } as const);
  // Untextured slides are enlarged by nearest neighbour: blocky edges, but far cheaper to make.
  const enlarged = sharp(await tissueMapPng(spec), { limitInputPixels: false }).resize(spec.sizePx, spec.sizePx, {
    kernel: textured ? 'cubic' : 'nearest',
  });
  await (textured ? enlarged.composite([{ input: await textureTile(), tile: true, blend: 'overlay' }]) : enlarged)
    .tiff({
      tile: true,
      tileWidth: 256,
      tileHeight: 256,
      pyramid: true,
      ...compression,
      bigtiff: true,
      xres: pixelsPerMm,
      yres: pixelsPerMm,
      resolutionUnit: 'cm',
    })
    .toFile(partial);
  await rename(partial, filePath);
  const { size } = await stat(filePath);
  log(`generated ${name}: ${(size / 1e6).toFixed(0)} MB in ${((performance.now() - startedMs) / 1000).toFixed(0)} s`);
  return filePath;
}

/**
 * The slide at 1/100 scale as a PNG: white glass with pink (eosin) tissue regions holding
 * purple (haematoxylin-dense) islands. Deterministic; the regions' total area is about
 * `tissueShare` of the slide.
 */
async function tissueMapPng(spec: SyntheticSlideSpec): Promise<Buffer> {
  const mapSizePx = Math.max(64, Math.round(spec.sizePx / 100));
  const random = seeded(17);
  // Blobs of radius r cover ~π r² each; place them on a jittered grid until the share is reached.
  const blobCount = 24;
  const radius = Math.sqrt((spec.tissueShare * mapSizePx * mapSizePx) / (blobCount * Math.PI));
  const shapes: string[] = [];
  for (let index = 0; index < blobCount; index++) {
    const cx = (0.1 + 0.8 * random()) * mapSizePx;
    const cy = (0.1 + 0.8 * random()) * mapSizePx;
    const rx = radius * (0.7 + 0.6 * random());
    const ry = (radius * radius) / rx;
    const angle = Math.round(random() * 180);
    shapes.push(
      `<ellipse cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" rx="${rx.toFixed(1)}" ry="${ry.toFixed(1)}" transform="rotate(${angle} ${cx.toFixed(1)} ${cy.toFixed(1)})" fill="rgb(226,150,190)"/>`,
    );
    shapes.push(
      `<ellipse cx="${(cx + rx * 0.2).toFixed(1)}" cy="${cy.toFixed(1)}" rx="${(rx * 0.45).toFixed(1)}" ry="${(ry * 0.4).toFixed(1)}" fill="rgb(150,95,175)"/>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${mapSizePx}" height="${mapSizePx}"><rect width="100%" height="100%" fill="rgb(246,245,247)"/>${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
}

/**
 * A 1024² texture repeated over the slide: mid-grey (no change under `overlay`) with dark
 * nuclei, fibres and fine noise. `overlay` leaves the white glass white and darkens and
 * varies the stained regions, so tissue patches have real JPEG detail to decode.
 */
async function textureTile(): Promise<Buffer> {
  const sizePx = 1024;
  const random = seeded(5);
  const pixels = Buffer.alloc(sizePx * sizePx * 3);
  for (let index = 0; index < pixels.length; index++) pixels[index] = 128 + Math.round((random() - 0.5) * 36);
  const paint = (x: number, y: number, value: number) => {
    const offset = ((((y % sizePx) + sizePx) % sizePx) * sizePx + (((x % sizePx) + sizePx) % sizePx)) * 3;
    pixels[offset] = value;
    pixels[offset + 1] = Math.max(0, value - 20);
    pixels[offset + 2] = value + 10;
  };
  for (let nucleus = 0; nucleus < 2600; nucleus++) {
    const cx = random() * sizePx;
    const cy = random() * sizePx;
    const radius = 3 + random() * 5;
    const darkness = 30 + Math.round(random() * 50);
    for (let y = Math.floor(cy - radius); y <= cy + radius; y++) {
      for (let x = Math.floor(cx - radius); x <= cx + radius; x++)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= radius * radius) paint(x, y, darkness);
    }
  }
  for (let fibre = 0; fibre < 300; fibre++) {
    let x = random() * sizePx;
    let y = random() * sizePx;
    const angle = random() * Math.PI;
    for (let step = 0; step < 120; step++, x += Math.cos(angle), y += Math.sin(angle))
      paint(Math.round(x), Math.round(y), 175);
  }
  return sharp(pixels, { raw: { width: sizePx, height: sizePx, channels: 3 } })
    .png()
    .toBuffer();
}

/** mulberry32: the same numbers on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
