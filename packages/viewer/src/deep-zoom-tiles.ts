import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '@pathlens/core';
import { slideFilesDirectory } from '@pathlens/ingest';
import type { SlideReader } from '@pathlens/slide-reader';
import { deepZoomTileRect, type DeepZoomGeometry } from './deep-zoom-geometry.ts';
import { encodeJpeg, renderRegion } from './render-region.ts';

/**
 * Deep Zoom JPEG tiles, made on first request and kept under
 * `DATA_DIR/slides/<slideId>/dzi/<level>/<column>_<row>.jpeg`. Concurrent requests for one tile
 * share one rendering and one write; files are written atomically, so a crash never leaves a
 * broken tile to be served later.
 */
export class DeepZoomTileCache {
  readonly #rendering = new Map<string, Promise<Buffer>>();

  constructor(private readonly dataDir: string) {}

  tilePath(slideId: string, level: number, column: number, row: number): string {
    return path.join(slideFilesDirectory(this.dataDir, slideId), 'dzi', String(level), `${column}_${row}.jpeg`);
  }

  /** The tile's JPEG bytes. `openReader` is called only when the tile is not cached yet. */
  async tile(
    slideId: string,
    geometry: DeepZoomGeometry,
    tile: { level: number; column: number; row: number },
    openReader: <T>(use: (reader: SlideReader) => Promise<T>) => Promise<T>,
  ): Promise<Buffer> {
    const rect = deepZoomTileRect(geometry, tile.level, tile.column, tile.row);
    const filePath = this.tilePath(slideId, tile.level, tile.column, tile.row);
    const inFlight = this.#rendering.get(filePath);
    if (inFlight) return inFlight;
    const cached = await readFile(filePath).catch(() => null);
    if (cached) return cached;
    const again = this.#rendering.get(filePath); // another request started it while we looked
    if (again) return again;
    const rendering = (async () => {
      const region = {
        xLevel0: rect.xPx * rect.downsample,
        yLevel0: rect.yPx * rect.downsample,
        widthLevel0: Math.min(geometry.widthPx - rect.xPx * rect.downsample, rect.widthPx * rect.downsample),
        heightLevel0: Math.min(geometry.heightPx - rect.yPx * rect.downsample, rect.heightPx * rect.downsample),
      };
      const image = await openReader((reader) =>
        renderRegion(reader, region, { widthPx: rect.widthPx, heightPx: rect.heightPx }),
      );
      const jpeg = await encodeJpeg(image);
      await writeFileAtomically(filePath, jpeg);
      return jpeg;
    })();
    this.#rendering.set(filePath, rendering);
    try {
      return await rendering;
    } finally {
      this.#rendering.delete(filePath);
    }
  }
}
