import { copyPixels } from '../copy-pixels.ts';
import type { RgbImage } from '../slide-reader.ts';
import type { TileCache } from '../tile-cache.ts';
import { openPipeline, toRgbImage, type RasterSource } from './raster-source.ts';

/** A tiled TIFF page libvips reads, with its tile size. */
export type TiledSharpPage = Extract<RasterSource, { pageIndex: number }> & {
  kind: 'sharp-page';
  tileWidthPx: number;
  tileHeightPx: number;
};

/** Blocks are one tile row high and about this wide: one libvips call decodes several tiles. */
const blockTargetWidthPx = 1024;

/** Regions up to this side go through the blocks (patches, viewer tiles); larger ones are read directly. */
export const maxBlockReadSidePx = 1024;

/**
 * Reads a region of a tiled page through decoded blocks of whole tiles (one tile high, ~1,024 px wide, on the tile
 * grid), kept in `cache`. Each JPEG tile is then decoded once however many patches overlap it (a 224-px patch on
 * 240-px tiles touches 4 tiles: read alone, each tile is decoded ~3.7 times over a grid), and libvips opens the file
 * once a block instead of once a patch. Pixels outside the page are white.
 *
 * @example
 * const patch = await readThroughTileBlocks(page, cache, { x: 4480, y: 2240, width: 224, height: 224 });
 */
export async function readThroughTileBlocks(
  page: TiledSharpPage,
  cache: TileCache,
  request: { x: number; y: number; width: number; height: number },
): Promise<RgbImage> {
  const blockWidthPx = page.tileWidthPx * Math.max(1, Math.round(blockTargetWidthPx / page.tileWidthPx));
  const blockHeightPx = page.tileHeightPx;
  const left = Math.max(0, request.x);
  const top = Math.max(0, request.y);
  const right = Math.min(page.widthPx, request.x + request.width);
  const bottom = Math.min(page.heightPx, request.y + request.height);
  const inside = right > left && bottom > top;
  const fullyInside = inside && left === request.x && top === request.y && right - left === request.width;
  const region: RgbImage = {
    // Every byte is overwritten when the region lies inside the page; white fill otherwise.
    data:
      fullyInside && bottom - top === request.height
        ? Buffer.allocUnsafe(request.width * request.height * 3)
        : Buffer.alloc(request.width * request.height * 3, 255),
    widthPx: request.width,
    heightPx: request.height,
  };
  if (!inside) return region;
  const blocks: { left: number; top: number; image: Promise<RgbImage> }[] = [];
  for (let blockTop = top - (top % blockHeightPx); blockTop < bottom; blockTop += blockHeightPx) {
    for (let blockLeft = left - (left % blockWidthPx); blockLeft < right; blockLeft += blockWidthPx) {
      blocks.push({ left: blockLeft, top: blockTop, image: block(page, cache, blockLeft, blockTop, blockWidthPx) });
    }
  }
  const images = await Promise.all(blocks.map((placed) => placed.image));
  blocks.forEach((placed, index) => copyPixels(images[index]!, placed, region, { left: request.x, top: request.y }));
  return region;
}

function block(page: TiledSharpPage, cache: TileCache, left: number, top: number, blockWidthPx: number) {
  return cache.get(`${page.pageIndex}:${page.subIfdIndex ?? ''}:${left}:${top}`, async () =>
    toRgbImage(
      await openPipeline(page, {
        left,
        top,
        width: Math.min(blockWidthPx, page.widthPx - left),
        height: Math.min(page.tileHeightPx, page.heightPx - top),
      }),
      page,
    ),
  );
}
