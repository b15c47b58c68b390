import { corruptDicom } from './read-dicom-header.ts';
import type { DicomInstance } from './dicom-instance.ts';

/** A frame placed in an image: which instance (part) holds it, and its top-left in image pixels. */
export interface PlacedFrame {
  part: number;
  frame: number;
  x: number;
  y: number;
}

/**
 * Which frame covers which tile-sized cell of an image (a pyramid level or an associated
 * image), built from one instance or a concatenation of instances.
 *
 * - TILED_FULL: frames fill the grid row by row (columns fastest); only the first focal plane
 *   and optical path (the first `across × down` frames) are used.
 * - TILED_SPARSE: each frame's Plane Position (Slide); cells without a frame read as white.
 * - No Dimension Organization Type: per-frame positions when the file has them, else
 *   TILED_FULL when there are enough frames for the whole grid.
 * Where several frames land on one position (other focal planes), the first one wins.
 */
export class FrameGrid {
  readonly cellsAcross: number;
  readonly cellsDown: number;
  readonly tileWidthPx: number;
  readonly tileHeightPx: number;
  /** Aligned frames: per cell, part and frame index (-1: empty). */
  #cellPart: Int32Array;
  #cellFrame: Int32Array;
  /** Frames off the tile grid (rare): every cell they overlap lists them. */
  #unaligned = new Map<number, PlacedFrame[]>();

  constructor(parts: DicomInstance[], widthPx: number, heightPx: number) {
    const first = parts[0]!;
    this.tileWidthPx = first.tileWidthPx;
    this.tileHeightPx = first.tileHeightPx;
    this.cellsAcross = Math.ceil(widthPx / this.tileWidthPx);
    this.cellsDown = Math.ceil(heightPx / this.tileHeightPx);
    this.#cellPart = new Int32Array(this.cellsAcross * this.cellsDown).fill(-1);
    this.#cellFrame = new Int32Array(this.cellsAcross * this.cellsDown).fill(-1);

    const fullTileCount = this.cellsAcross * this.cellsDown;
    const totalFrames = parts.reduce((sum, part) => sum + part.frameCount, 0);
    parts.forEach((part, partIndex) => {
      const organisation = part.dimensionOrganizationType;
      const tiledFull =
        organisation === 'TILED_FULL' || (organisation !== 'TILED_SPARSE' && part.framePositions === null);
      if (tiledFull) {
        if (totalFrames < fullTileCount) {
          throw corruptDicom(
            part.header.filePath,
            `it has ${totalFrames} frames, but tiling its ${widthPx}×${heightPx} image fully takes ${fullTileCount}`,
          );
        }
        for (let frame = 0; frame < part.frameCount; frame++) {
          const tileIndex = part.concatenationFrameOffset + frame;
          if (tileIndex >= fullTileCount) break;
          this.#place({
            part: partIndex,
            frame,
            x: (tileIndex % this.cellsAcross) * this.tileWidthPx,
            y: Math.floor(tileIndex / this.cellsAcross) * this.tileHeightPx,
          });
        }
        return;
      }
      const positions = part.framePositions;
      if (!positions)
        throw corruptDicom(part.header.filePath, 'it is TILED_SPARSE but its frames carry no Plane Position (Slide)');
      for (let frame = 0; frame < part.frameCount; frame++) {
        this.#place({ part: partIndex, frame, x: positions[frame * 2]!, y: positions[frame * 2 + 1]! });
      }
    });
  }

  /** Frames overlapping the rectangle [left, right) × [top, bottom) in image pixels, in placement order. */
  framesIn(left: number, top: number, right: number, bottom: number): PlacedFrame[] {
    const firstColumn = Math.max(0, Math.floor(left / this.tileWidthPx));
    const lastColumn = Math.min(this.cellsAcross - 1, Math.floor((right - 1) / this.tileWidthPx));
    const firstRow = Math.max(0, Math.floor(top / this.tileHeightPx));
    const lastRow = Math.min(this.cellsDown - 1, Math.floor((bottom - 1) / this.tileHeightPx));
    const found: PlacedFrame[] = [];
    const seen = new Set<string>();
    for (let row = firstRow; row <= lastRow; row++) {
      for (let column = firstColumn; column <= lastColumn; column++) {
        const cell = row * this.cellsAcross + column;
        const frame = this.#cellFrame[cell]!;
        if (frame >= 0)
          found.push({ part: this.#cellPart[cell]!, frame, x: column * this.tileWidthPx, y: row * this.tileHeightPx });
        for (const placed of this.#unaligned.get(cell) ?? []) {
          const key = `${placed.part}:${placed.frame}`;
          if (seen.has(key)) continue;
          seen.add(key);
          if (
            placed.x < right &&
            placed.x + this.tileWidthPx > left &&
            placed.y < bottom &&
            placed.y + this.tileHeightPx > top
          )
            found.push(placed);
        }
      }
    }
    return found;
  }

  /** Some frame of the grid (the first placed), for checking at open that frames decode. */
  anyFrame(): PlacedFrame | null {
    const cell = this.#cellFrame.findIndex((frame) => frame >= 0);
    if (cell >= 0) return { part: this.#cellPart[cell]!, frame: this.#cellFrame[cell]!, x: 0, y: 0 };
    const [first] = this.#unaligned.values();
    return first?.[0] ?? null;
  }

  #place(placed: PlacedFrame): void {
    const { x, y } = placed;
    if (x < 0 || y < 0 || x >= this.cellsAcross * this.tileWidthPx || y >= this.cellsDown * this.tileHeightPx) return;
    if (x % this.tileWidthPx === 0 && y % this.tileHeightPx === 0) {
      const cell = (y / this.tileHeightPx) * this.cellsAcross + x / this.tileWidthPx;
      if (this.#cellFrame[cell] === -1) {
        this.#cellPart[cell] = placed.part;
        this.#cellFrame[cell] = placed.frame;
      }
      return;
    }
    const lastColumn = Math.min(this.cellsAcross - 1, Math.floor((x + this.tileWidthPx - 1) / this.tileWidthPx));
    const lastRow = Math.min(this.cellsDown - 1, Math.floor((y + this.tileHeightPx - 1) / this.tileHeightPx));
    for (let row = Math.floor(y / this.tileHeightPx); row <= lastRow; row++) {
      for (let column = Math.floor(x / this.tileWidthPx); column <= lastColumn; column++) {
        const cell = row * this.cellsAcross + column;
        const list = this.#unaligned.get(cell) ?? [];
        list.push(placed);
        this.#unaligned.set(cell, list);
      }
    }
  }
}
