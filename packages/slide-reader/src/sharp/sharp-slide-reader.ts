import { PathLensError } from '@pathlens/core';
import type { RgbImage, SlideProperties, SlideReader, SlideRegion } from '../slide-reader.ts';
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
    const { level, xLevel0, yLevel0, widthPx, heightPx } = region;
    const levelInfo = Number.isInteger(level) ? this.properties.levels[level] : undefined;
    const source = Number.isInteger(level) ? parts.levelSources[level] : undefined;
    if (!levelInfo || !source) {
      throw invalid(`level ${level} does not exist; this slide has levels 0–${this.properties.levels.length - 1}`, region);
    }
    if (![xLevel0, yLevel0].every(Number.isSafeInteger) || ![widthPx, heightPx].every((size) => Number.isSafeInteger(size) && size > 0)) {
      throw invalid('xLevel0/yLevel0 must be integers and widthPx/heightPx positive integers', region);
    }
    if (widthPx * heightPx > parts.maxDecodedPixels) {
      throw invalid(`a ${widthPx}×${heightPx} region is larger than the ${parts.maxDecodedPixels}-pixel read limit; read it in tiles`, region);
    }

    const window = regionWindow(
      { x: Math.floor(xLevel0 / levelInfo.downsample), y: Math.floor(yLevel0 / levelInfo.downsample), width: widthPx, height: heightPx },
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
    if (!Number.isSafeInteger(maxSizePx) || maxSizePx <= 0) throw invalid('maxSizePx must be a positive integer', { maxSizePx });
    const [levelZero] = this.properties.levels;
    if (!levelZero) throw new Error('a slide always has level 0');
    const scale = Math.min(1, maxSizePx / Math.max(levelZero.widthPx, levelZero.heightPx));
    const widthPx = Math.max(1, Math.round(levelZero.widthPx * scale));
    const heightPx = Math.max(1, Math.round(levelZero.heightPx * scale));
    // The smallest level that still has at least the pixels wanted (levels are largest first).
    const source = parts.levelSources.findLast((candidate) => candidate.widthPx >= widthPx && candidate.heightPx >= heightPx) ?? parts.levelSources[0];
    if (!source) throw new Error('a slide always has level 0');
    const pipeline = await openPipeline(source);
    if (source.widthPx === widthPx && source.heightPx === heightPx) return toRgbImage(pipeline, source);
    return toRgbImage(pipeline.resize({ width: widthPx, height: heightPx, fit: 'fill' }), source);
  }

  async readAssociatedImage(name: string): Promise<RgbImage> {
    const parts = this.#open();
    const source = parts.associatedSources.get(name);
    if (!source) {
      throw new PathLensError('not_found', `This slide has no associated image "${name}"; it has: ${this.properties.associatedImages.join(', ') || 'none'}.`, { name });
    }
    if (source.widthPx * source.heightPx > parts.maxDecodedPixels) {
      throw new PathLensError('slide_too_large', `The "${name}" image (${source.widthPx}×${source.heightPx}) is larger than the read limit.`, { name });
    }
    return toRgbImage(await openPipeline(source), source);
  }

  async close(): Promise<void> {
    this.#parts = null;
  }

  #open(): SharpSlideReaderParts {
    if (!this.#parts) throw new Error('SlideReader is closed');
    return this.#parts;
  }
}

function invalid(reason: string, details: object): PathLensError {
  return new PathLensError('invalid_request', `Invalid slide read: ${reason}.`, { ...details });
}
