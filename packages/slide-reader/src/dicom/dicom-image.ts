import { PathLensError } from '@pathlens/core';
import type { RgbImage } from '../slide-reader.ts';
import { checkDeclaredSize, type SlideSizeLimits } from '../slide-size-limits.ts';
import { decodeFrame } from './decode-frame.ts';
import type { DicomInstance } from './dicom-instance.ts';
import { FrameGrid } from './frame-grid.ts';
import type { DicomFrameSource, OpenFrameSource } from './frame-source.ts';
import { copyPixels } from '../copy-pixels.ts';
import type { TileCache } from '../tile-cache.ts';

interface OpenPart {
  instance: DicomInstance;
  frames: DicomFrameSource;
}

let nextImageId = 0;

/**
 * One tiled image of a DICOM slide (a pyramid level or an associated image), made of one
 * instance or a concatenation of instances; reads rectangles by decoding the frames under them.
 */
export class DicomImage {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly #id = nextImageId++;
  readonly #parts: OpenPart[];
  readonly #grid: FrameGrid;
  readonly #cache: TileCache;

  private constructor(parts: OpenPart[], grid: FrameGrid, cache: TileCache) {
    const first = parts[0]!.instance;
    this.widthPx = first.totalWidthPx;
    this.heightPx = first.totalHeightPx;
    this.#parts = parts;
    this.#grid = grid;
    this.#cache = cache;
  }

  /**
   * Checks sizes against the limits before reading anything large, opens the frames (a
   * truncated file fails here) and decodes one frame to prove they decode.
   * Throws `slide_too_large`, `corrupt_file` or `unsupported_format`.
   */
  static async open(
    instances: DicomInstance[],
    options: { limits: SlideSizeLimits; cache: TileCache; what: string; openFrames: OpenFrameSource },
  ): Promise<DicomImage> {
    const { limits, cache, what } = options;
    const first = instances[0]!;
    const filePath = first.header.filePath;
    checkDeclaredSize(filePath, first.totalWidthPx, first.totalHeightPx, limits, what);
    checkDeclaredSize(filePath, first.tileWidthPx, first.tileHeightPx, limits, `${what} frame`);
    if (first.tileWidthPx * first.tileHeightPx > limits.maxDecodedPixels) {
      throw new PathLensError(
        'slide_too_large',
        `${filePath} declares ${first.tileWidthPx}×${first.tileHeightPx} px frames, over the ${limits.maxDecodedPixels}-pixel decode limit.`,
        {
          path: filePath,
        },
      );
    }
    if (!first.totalWidthPx || !first.totalHeightPx || !first.tileWidthPx || !first.tileHeightPx) {
      throw new PathLensError(
        'corrupt_file',
        `${filePath} lacks its image size (Rows, Columns, Total Pixel Matrix Columns/Rows). Copy the slide again from its source.`,
        { path: filePath },
      );
    }
    const grid = new FrameGrid(instances, first.totalWidthPx, first.totalHeightPx);
    const parts: OpenPart[] = [];
    try {
      for (const instance of instances) {
        parts.push({ instance, frames: await options.openFrames(instance) });
      }
      const image = new DicomImage(parts, grid, cache);
      const sample = grid.anyFrame();
      if (sample) await image.#decode(sample.part, sample.frame);
      return image;
    } catch (error) {
      await Promise.all(parts.map((part) => part.frames.close()));
      throw error;
    }
  }

  /** Pixels [left, left+width) × [top, top+height) of this image; outside it (and gaps between sparse frames) white. */
  async read(left: number, top: number, widthPx: number, heightPx: number): Promise<RgbImage> {
    const data = Buffer.alloc(widthPx * heightPx * 3, 255);
    const right = Math.min(left + widthPx, this.widthPx);
    const bottom = Math.min(top + heightPx, this.heightPx);
    if (right <= Math.max(left, 0) || bottom <= Math.max(top, 0)) return { data, widthPx, heightPx };
    const frames = this.#grid.framesIn(Math.max(left, 0), Math.max(top, 0), right, bottom);
    const tiles = await Promise.all(frames.map((placed) => this.#decode(placed.part, placed.frame)));
    const region = { data, widthPx, heightPx };
    frames.forEach((placed, index) =>
      copyPixels(tiles[index]!, { left: placed.x, top: placed.y }, region, { left, top }, { right, bottom }),
    );
    return { data, widthPx, heightPx };
  }

  async close(): Promise<void> {
    await Promise.all(this.#parts.map((part) => part.frames.close()));
  }

  #decode(partIndex: number, frame: number): Promise<RgbImage> {
    const part = this.#parts[partIndex]!;
    return this.#cache.get(`${this.#id}:${partIndex}:${frame}`, async () => {
      try {
        return await decodeFrame(part.instance, await part.frames.readFrame(frame));
      } catch (error) {
        // A source's own errors (a truncated file, a server that refuses) say what is wrong already.
        if (error instanceof PathLensError) throw error;
        throw new PathLensError(
          'corrupt_file',
          `Cannot decode frame ${frame + 1} of ${part.instance.header.filePath}: ${(error as Error).message}. The file may be damaged; copy it again from its source.`,
          { path: part.instance.header.filePath, frame: frame + 1 },
          { cause: error },
        );
      }
    });
  }
}
