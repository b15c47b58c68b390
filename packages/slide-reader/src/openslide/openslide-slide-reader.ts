import { resizeRgbImage } from '../resize-rgb-image.ts';
import { PathLensError } from '@pathlens/core';
import {
  checkRegion,
  levelForThumbnail,
  noSuchAssociatedImage,
  readerClosedError,
  thumbnailSize,
} from '../read-checks.ts';
import type { RgbImage, SlideProperties, SlideReader, SlideRegion } from '../slide-reader.ts';
import { premultipliedArgbToRgb } from './argb-to-rgb.ts';
import type { OpenSlideHandle, OpenSlideLibrary } from './openslide-library.ts';

export interface OpenSlideSlideReaderParts {
  properties: SlideProperties;
  library: OpenSlideLibrary;
  handle: OpenSlideHandle;
  /** The path OpenSlide opened, for messages. */
  filePath: string;
  maxDecodedPixels: number;
}

/**
 * SlideReader over OpenSlide (through koffi): regions come from `openslide_read_region` on a
 * worker thread, premultiplied ARGB turned into RGB over white. The handle is closed once the
 * reads in flight have finished. Built by `openOpenSlideSlide`; use `openSlide`.
 */
export class OpenSlideSlideReader implements SlideReader {
  readonly properties: SlideProperties;
  #parts: OpenSlideSlideReaderParts | null;
  #readsInFlight = new Set<Promise<unknown>>();

  constructor(parts: OpenSlideSlideReaderParts) {
    this.properties = parts.properties;
    this.#parts = parts;
  }

  async readRegion(region: SlideRegion): Promise<RgbImage> {
    const parts = this.#open();
    checkRegion(this.properties, region, parts.maxDecodedPixels);
    const { level, xLevel0, yLevel0, widthPx, heightPx } = region;
    const argb = new Uint32Array(widthPx * heightPx);
    await this.#track(parts.library.readRegion(parts.handle, argb, xLevel0, yLevel0, level, widthPx, heightPx));
    this.#checkHandle(parts);
    return premultipliedArgbToRgb(argb, widthPx, heightPx);
  }

  async readThumbnail(maxSizePx: number): Promise<RgbImage> {
    const parts = this.#open();
    const { widthPx, heightPx } = thumbnailSize(this.properties, maxSizePx);
    const level = levelForThumbnail(this.properties, widthPx, heightPx);
    const source = this.properties.levels[level]!;
    if (source.widthPx * source.heightPx > parts.maxDecodedPixels) {
      throw new PathLensError(
        'slide_too_large',
        `A ${widthPx}×${heightPx} thumbnail would need all ${source.widthPx}×${source.heightPx} pixels of level ${level}, over the ${parts.maxDecodedPixels}-pixel read limit. Ask for a smaller thumbnail.`,
        { widthPx, heightPx, level },
      );
    }
    const whole = await this.readRegion({
      level,
      xLevel0: 0,
      yLevel0: 0,
      widthPx: source.widthPx,
      heightPx: source.heightPx,
    });
    return resizeRgbImage(whole, widthPx, heightPx);
  }

  async readAssociatedImage(name: string): Promise<RgbImage> {
    const parts = this.#open();
    if (!(this.properties.associatedImages as string[]).includes(name))
      throw noSuchAssociatedImage(this.properties, name);
    const { widthPx, heightPx } = parts.library.associatedImageDimensions(parts.handle, name);
    if (widthPx <= 0 || heightPx <= 0 || widthPx * heightPx > parts.maxDecodedPixels) {
      throw new PathLensError(
        'slide_too_large',
        `The "${name}" image (${widthPx}×${heightPx}) is larger than the read limit.`,
        { name },
      );
    }
    const argb = new Uint32Array(widthPx * heightPx);
    await this.#track(parts.library.readAssociatedImage(parts.handle, name, argb));
    this.#checkHandle(parts);
    return premultipliedArgbToRgb(argb, widthPx, heightPx);
  }

  async close(): Promise<void> {
    const parts = this.#parts;
    if (!parts) return;
    this.#parts = null;
    await Promise.allSettled([...this.#readsInFlight]);
    parts.library.close(parts.handle);
  }

  async #track<T>(read: Promise<T>): Promise<T> {
    this.#readsInFlight.add(read);
    try {
      return await read;
    } finally {
      this.#readsInFlight.delete(read);
    }
  }

  /** OpenSlide puts a handle in a permanent error state on a decoding failure; reads then return nothing. */
  #checkHandle(parts: OpenSlideSlideReaderParts): void {
    const error = parts.library.getError(parts.handle);
    if (error) {
      throw new PathLensError(
        'corrupt_file',
        `OpenSlide cannot decode ${parts.filePath}: ${error}. The file may be damaged; copy it again from its source.`,
        { path: parts.filePath },
      );
    }
  }

  #open(): OpenSlideSlideReaderParts {
    if (!this.#parts) throw readerClosedError();
    return this.#parts;
  }
}
