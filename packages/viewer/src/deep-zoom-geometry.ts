import { PathLensError } from '@pathlens/core';

/** Deep Zoom tiling of an image (the Seadragon/OpenSeadragon format), as OpenSlide's deepzoom does it. */
export interface DeepZoomGeometry {
  /** Level-0 (full resolution) size of the slide. */
  widthPx: number;
  heightPx: number;
  /** Tile side without overlap, px. */
  tileSizePx: number;
  /** Pixels each tile repeats from its neighbours on each inner side. */
  overlapPx: number;
  /** The highest Deep Zoom level: full resolution; level 0 is 1×1 and each level halves the next. */
  maxLevel: number;
}

/** A tile's rectangle in its Deep Zoom level's pixels, and the level-0 area it shows. */
export interface DeepZoomTileRect {
  xPx: number;
  yPx: number;
  widthPx: number;
  heightPx: number;
  /** Level-0 pixels per pixel of the Deep Zoom level (a power of 2). */
  downsample: number;
}

export const defaultDeepZoomTile = { tileSizePx: 254, overlapPx: 1 } as const;

export function deepZoomGeometry(
  widthPx: number,
  heightPx: number,
  tile: { tileSizePx: number; overlapPx: number } = defaultDeepZoomTile,
): DeepZoomGeometry {
  return { widthPx, heightPx, ...tile, maxLevel: Math.ceil(Math.log2(Math.max(widthPx, heightPx, 1))) };
}

export function deepZoomLevelSize(
  geometry: DeepZoomGeometry,
  level: number,
): { widthPx: number; heightPx: number; columns: number; rows: number } {
  const downsample = 2 ** (geometry.maxLevel - level);
  const widthPx = Math.max(1, Math.ceil(geometry.widthPx / downsample));
  const heightPx = Math.max(1, Math.ceil(geometry.heightPx / downsample));
  return {
    widthPx,
    heightPx,
    columns: Math.ceil(widthPx / geometry.tileSizePx),
    rows: Math.ceil(heightPx / geometry.tileSizePx),
  };
}

/** The rectangle of tile (column, row) of a level; `invalid_request` for a level or tile that does not exist. */
export function deepZoomTileRect(
  geometry: DeepZoomGeometry,
  level: number,
  column: number,
  row: number,
): DeepZoomTileRect {
  if (!Number.isSafeInteger(level) || level < 0 || level > geometry.maxLevel) {
    throw new PathLensError(
      'invalid_request',
      `Deep Zoom level ${level} does not exist: this slide has levels 0–${geometry.maxLevel}.`,
      { param: 'level' },
    );
  }
  const size = deepZoomLevelSize(geometry, level);
  if (
    !Number.isSafeInteger(column) ||
    !Number.isSafeInteger(row) ||
    column < 0 ||
    row < 0 ||
    column >= size.columns ||
    row >= size.rows
  ) {
    throw new PathLensError(
      'invalid_request',
      `Tile ${column}_${row} does not exist at Deep Zoom level ${level}: columns 0–${size.columns - 1}, rows 0–${size.rows - 1}.`,
      { param: 'tile' },
    );
  }
  const { tileSizePx, overlapPx } = geometry;
  const xPx = column * tileSizePx - (column > 0 ? overlapPx : 0);
  const yPx = row * tileSizePx - (row > 0 ? overlapPx : 0);
  const right = Math.min(size.widthPx, (column + 1) * tileSizePx + overlapPx);
  const bottom = Math.min(size.heightPx, (row + 1) * tileSizePx + overlapPx);
  return { xPx, yPx, widthPx: right - xPx, heightPx: bottom - yPx, downsample: 2 ** (geometry.maxLevel - level) };
}

/** The `.dzi` XML descriptor OpenSeadragon loads. */
export function deepZoomDescriptor(geometry: DeepZoomGeometry, format: 'jpeg' = 'jpeg'): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="${format}" Overlap="${geometry.overlapPx}" TileSize="${geometry.tileSizePx}">` +
    `<Size Width="${geometry.widthPx}" Height="${geometry.heightPx}"/></Image>\n`
  );
}
