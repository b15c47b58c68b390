import { PathLensError } from '@pathlens/core';
import type { RgbImage, SlideProperties, SlideReader, SlideRegion } from '../slide-reader.ts';
import {
  checkRegion,
  levelForThumbnail,
  noSuchAssociatedImage,
  readerClosedError,
  thumbnailSize,
} from '../read-checks.ts';
import { openPipeline, toRgbImage, whiteBackground, whiteImage, type RasterSource } from './raster-source.ts';
import { defaultTileCacheBytes, TileCache } from '../tile-cache.ts';
import { regionWindow } from './region-window.ts';
import { maxBlockReadSidePx, readThroughTileBlocks, type TiledSharpPage } from './tile-block-reader.ts';

export interface SharpSlideReaderParts {
  properties: SlideProperties;
  /** One source per entry of `properties.levels`, same order. */
  levelSources: RasterSource[];
  /** By name; the keys are `properties.associatedImages`. */
  associatedSources: Map<string, RasterSource>;
  /** Refuse a single read (region, associated image) larger than this many pixels. */
  maxDecodedPixels: number;
}

/**
 * SlideReader over sharp (libvips): a patch-sized read of a tiled page is assembled from decoded blocks of whole tiles
 * kept in a cache (`tile-block-reader.ts`: each tile decoded once while ingestion walks the grid); other reads open
 * the stored page at the right level and extract only the tiles they need.
 * Built by `openSharpSlide`; use `openSlide` rather than this class.
 */
export class SharpSlideReader implements SlideReader {
  readonly properties: SlideProperties;
  #parts: SharpSlideReaderParts | null;
  readonly #tileCache = new TileCache(defaultTileCacheBytes);

  constructor(parts: SharpSlideReaderParts) {
    this.properties = parts.properties;
    this.#parts = parts;
  }

  async readRegion(region: SlideRegion): Promise<RgbImage> {
    const parts = this.#open();
    const levelInfo = checkRegion(this.properties, region, parts.maxDecodedPixels);
    const source = parts.levelSources[region.level]!;
    const { xLevel0, yLevel0, widthPx, heightPx } = region;
    const request = {
      x: Math.floor(xLevel0 / levelInfo.downsample),
      y: Math.floor(yLevel0 / levelInfo.downsample),
      width: widthPx,
      height: heightPx,
    };
    if (isTiledPage(source) && widthPx <= maxBlockReadSidePx && heightPx <= maxBlockReadSidePx)
      return readThroughTileBlocks(source, this.#tileCache, request);
    const window = regionWindow(request, source.widthPx, source.heightPx);
    if (!window.inside) return whiteImage(widthPx, heightPx);
    const { padding } = window;
    let pipeline = await openPipeline(source, window.inside);
    if (padding.top || padding.bottom || padding.left || padding.right) {
      pipeline = pipeline.extend({ ...padding, background: whiteBackground });
    }
    return toRgbImage(pipeline, source);
  }

  async readThumbnail(maxSizePx: number): Promise<RgbImage> {
    const parts = this.#open();
    const { widthPx, heightPx } = thumbnailSize(this.properties, maxSizePx);
    const source = parts.levelSources[levelForThumbnail(this.properties, widthPx, heightPx)]!;
    const pipeline = await openPipeline(source);
    if (source.widthPx === widthPx && source.heightPx === heightPx) return toRgbImage(pipeline, source);
    return toRgbImage(pipeline.resize({ width: widthPx, height: heightPx, fit: 'fill' }), source);
  }

  async readAssociatedImage(name: string): Promise<RgbImage> {
    const parts = this.#open();
    const source = parts.associatedSources.get(name);
    if (!source) throw noSuchAssociatedImage(this.properties, name);
    if (source.widthPx * source.heightPx > parts.maxDecodedPixels) {
      throw new PathLensError(
        'slide_too_large',
        `The "${name}" image (${source.widthPx}×${source.heightPx}) is larger than the read limit.`,
        { name },
      );
    }
    return toRgbImage(await openPipeline(source), source);
  }

  async close(): Promise<void> {
    this.#parts = null;
    this.#tileCache.clear();
  }

  #open(): SharpSlideReaderParts {
    if (!this.#parts) throw readerClosedError();
    return this.#parts;
  }
}

function isTiledPage(source: RasterSource): source is TiledSharpPage {
  return source.kind === 'sharp-page' && source.tileWidthPx !== undefined && source.tileHeightPx !== undefined;
}
