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
import { regionWindow } from './region-window.ts';

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
 * SlideReader over sharp (libvips): each read opens the stored page at the right level and
 * extracts only the tiles it needs (~2 ms for a 224² region of a JPEG-tiled slide).
 * Built by `openSharpSlide`; use `openSlide` rather than this class.
 */
export class SharpSlideReader implements SlideReader {
  readonly properties: SlideProperties;
  #parts: SharpSlideReaderParts | null;

  constructor(parts: SharpSlideReaderParts) {
    this.properties = parts.properties;
    this.#parts = parts;
  }

  async readRegion(region: SlideRegion): Promise<RgbImage> {
    const parts = this.#open();
    const levelInfo = checkRegion(this.properties, region, parts.maxDecodedPixels);
    const source = parts.levelSources[region.level]!;
    const { xLevel0, yLevel0, widthPx, heightPx } = region;
    const window = regionWindow(
      {
        x: Math.floor(xLevel0 / levelInfo.downsample),
        y: Math.floor(yLevel0 / levelInfo.downsample),
        width: widthPx,
        height: heightPx,
      },
      source.widthPx,
      source.heightPx,
    );
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
  }

  #open(): SharpSlideReaderParts {
    if (!this.#parts) throw readerClosedError();
    return this.#parts;
  }
}
