import type { AssociatedImageKind } from '../associated-image-kind.ts';
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
import type { DicomImage } from './dicom-image.ts';
import type { TileCache } from '../tile-cache.ts';

export interface DicomSlideReaderParts {
  properties: SlideProperties;
  /** One image per entry of `properties.levels`. */
  levels: DicomImage[];
  /** Opened on first read: the label in particular is never touched unless asked for. */
  openAssociatedImage: (name: AssociatedImageKind) => Promise<DicomImage>;
  cache: TileCache;
  maxDecodedPixels: number;
}

/**
 * SlideReader over DICOM VL Whole Slide Microscopy instances: regions are composed from the
 * frames under them, decoded with sharp (JPEG) or copied (uncompressed), with a bounded cache of
 * decoded frames. Built by `openDicomSlide`; use `openSlide`.
 */
export class DicomSlideReader implements SlideReader {
  readonly properties: SlideProperties;
  #parts: DicomSlideReaderParts | null;
  #associated = new Map<string, Promise<DicomImage>>();
  #readsInFlight = new Set<Promise<unknown>>();

  constructor(parts: DicomSlideReaderParts) {
    this.properties = parts.properties;
    this.#parts = parts;
  }

  async readRegion(region: SlideRegion): Promise<RgbImage> {
    const parts = this.#open();
    const level = checkRegion(this.properties, region, parts.maxDecodedPixels);
    const image = parts.levels[region.level]!;
    return this.#track(
      image.read(
        Math.floor(region.xLevel0 / level.downsample),
        Math.floor(region.yLevel0 / level.downsample),
        region.widthPx,
        region.heightPx,
      ),
    );
  }

  async readThumbnail(maxSizePx: number): Promise<RgbImage> {
    const parts = this.#open();
    const { widthPx, heightPx } = thumbnailSize(this.properties, maxSizePx);
    const level = levelForThumbnail(this.properties, widthPx, heightPx);
    const image = parts.levels[level]!;
    const whole = await this.#track(this.#readWhole(image, `level ${level}`, parts.maxDecodedPixels));
    return resizeRgbImage(whole, widthPx, heightPx);
  }

  async readAssociatedImage(name: string): Promise<RgbImage> {
    const parts = this.#open();
    if (!(this.properties.associatedImages as string[]).includes(name))
      throw noSuchAssociatedImage(this.properties, name);
    let image = this.#associated.get(name);
    if (!image) {
      image = parts.openAssociatedImage(name as AssociatedImageKind); // listed in associatedImages above
      this.#associated.set(name, image);
      image.catch(() => this.#associated.delete(name));
    }
    return this.#track(image.then((opened) => this.#readWhole(opened, `the "${name}" image`, parts.maxDecodedPixels)));
  }

  async close(): Promise<void> {
    const parts = this.#parts;
    if (!parts) return;
    this.#parts = null;
    // Files stay open until the reads already started have finished.
    await Promise.allSettled([...this.#readsInFlight]);
    const associated = await Promise.allSettled([...this.#associated.values()]);
    await Promise.all([
      ...parts.levels.map((image) => image.close()),
      ...associated.flatMap((result) => (result.status === 'fulfilled' ? [result.value.close()] : [])),
    ]);
    parts.cache.clear();
  }

  async #track<T>(read: Promise<T>): Promise<T> {
    this.#readsInFlight.add(read);
    try {
      return await read;
    } finally {
      this.#readsInFlight.delete(read);
    }
  }

  async #readWhole(image: DicomImage, what: string, maxDecodedPixels: number): Promise<RgbImage> {
    if (image.widthPx * image.heightPx > maxDecodedPixels) {
      throw new PathLensError(
        'slide_too_large',
        `Reading ${what} whole (${image.widthPx}×${image.heightPx}) is over the ${maxDecodedPixels}-pixel read limit. Ask for a smaller thumbnail.`,
        {
          widthPx: image.widthPx,
          heightPx: image.heightPx,
        },
      );
    }
    return image.read(0, 0, image.widthPx, image.heightPx);
  }

  #open(): DicomSlideReaderParts {
    if (!this.#parts) throw readerClosedError();
    return this.#parts;
  }
}
