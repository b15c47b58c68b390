import { interpolateInferno, interpolateMagma, interpolateTurbo, interpolateViridis } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';
import sharp from 'sharp';
import { patchRectangle, thumbnailSize } from './heatmap-geometry.ts';
import type { SlideHeatmap } from './slide-heatmap.ts';

export const heatmapColourMaps = ['turbo', 'viridis', 'inferno', 'magma'] as const;
export type HeatmapColourMap = (typeof heatmapColourMaps)[number];

const interpolators: Record<HeatmapColourMap, (t: number) => string> = {
  turbo: interpolateTurbo,
  viridis: interpolateViridis,
  inferno: interpolateInferno,
  magma: interpolateMagma,
};

export interface HeatmapRenderOptions {
  /** Long side of the overlay (the thumbnail it is drawn over). Default 1024; never larger than level 0. */
  maxSizePx?: number | undefined;
  /** Default `turbo`. */
  colourMap?: HeatmapColourMap | undefined;
  /** Scores mapped to the colour map's ends; default the slide's own lowest and highest patch score. */
  scoreMin?: number | undefined;
  scoreMax?: number | undefined;
  /** Alpha of the best-scoring patch, 0–1 (the worst gets a quarter of it). Default 0.75. */
  opacity?: number | undefined;
}

/** 256 RGB entries of a d3 colour map. */
function colourTable(colourMap: HeatmapColourMap): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let index = 0; index < 256; index++) {
    const colour = rgb(interpolators[colourMap](index / 255));
    table.set([Math.round(colour.r), Math.round(colour.g), Math.round(colour.b)], index * 3);
  }
  return table;
}

/**
 * The heatmap as an RGBA PNG the size of the slide's thumbnail for `maxSizePx` (same aspect
 * ratio, same rounding as `SlideReader.readThumbnail`), to lay over it. Each patch is filled
 * with its score's colour; higher scores are also more opaque; where no patch was stored
 * (background) the overlay is transparent.
 *
 * @example
 * const { png, widthPx, heightPx } = await renderHeatmapPng(heatmap, { maxSizePx: 1024, colourMap: 'viridis' });
 */
export async function renderHeatmapPng(
  heatmap: SlideHeatmap,
  options: HeatmapRenderOptions = {},
): Promise<{ png: Buffer; widthPx: number; heightPx: number }> {
  const level0 = { widthPx: heatmap.widthPx, heightPx: heatmap.heightPx };
  const size = thumbnailSize(level0, options.maxSizePx ?? 1024);
  const table = colourTable(options.colourMap ?? 'turbo');
  const low = options.scoreMin ?? heatmap.minScore;
  const high = options.scoreMax ?? heatmap.maxScore;
  const opacity = options.opacity ?? 0.75;
  const pixels = Buffer.alloc(size.widthPx * size.heightPx * 4);
  for (const patch of heatmap.patches) {
    // All patches alike (high = low) show at full strength.
    const strength = high > low ? Math.max(0, Math.min(1, (patch.score - low) / (high - low))) : 1;
    const entry = Math.round(strength * 255) * 3;
    const alpha = Math.round(255 * opacity * (0.25 + 0.75 * strength));
    const box = patchRectangle(patch, level0, size);
    for (let y = box.top; y < box.bottom; y++) {
      for (let x = box.left; x < box.right; x++) {
        const offset = (y * size.widthPx + x) * 4;
        pixels[offset] = table[entry]!;
        pixels[offset + 1] = table[entry + 1]!;
        pixels[offset + 2] = table[entry + 2]!;
        pixels[offset + 3] = alpha;
      }
    }
  }
  const png = await sharp(pixels, { raw: { width: size.widthPx, height: size.heightPx, channels: 4 } })
    .png()
    .toBuffer();
  return { png, ...size };
}
