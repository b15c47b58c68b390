import { PathLensError } from '@pathlens/core';

/** Where a slide's level-0 MPP came from: its file, the request (`--mpp`), or nowhere (tiled at level 0 by choice). */
export type MppSource = 'file' | 'request' | 'none';

/** How a slide is tiled, decided once at registration and stored on the slide. */
export interface TilingResolution {
  /** Side of one patch in level-0 pixels. */
  patchSizeLevel0Px: number;
  /** µm per pixel of the patches the encoder sees; null when tiled at level 0 without a known MPP. */
  targetMpp: number | null;
  /** µm per level-0 pixel used (x and y averaged); null when unknown. */
  mppLevel0: number | null;
  mppSource: MppSource;
}

/**
 * The patch size for a slide: at `targetMpp` µm/px, an encoder input of `inputSizePx` covers
 * `inputSizePx × targetMpp` µm, so `round(inputSizePx × targetMpp / mppLevel0)` level-0 pixels.
 * The MPP given in the request wins over the file's. Without any MPP this refuses with
 * `missing_mpp`, unless `tileAtLevel0` asks for level-0 patches of the input size.
 *
 * @example
 * tilingResolution({ inputSizePx: 224, targetMpp: 0.5, fileMpp: { x: 0.25, y: 0.25 } }).patchSizeLevel0Px; // 448
 */
export function tilingResolution(options: {
  inputSizePx: number;
  targetMpp: number;
  fileMpp: { x: number | null; y: number | null };
  requestMpp?: number | undefined;
  tileAtLevel0?: boolean | undefined;
  /** For the refusal message. */
  slideName?: string | undefined;
}): TilingResolution {
  const { inputSizePx, targetMpp, fileMpp } = options;
  const fromFile = fileMpp.x && fileMpp.y ? (fileMpp.x + fileMpp.y) / 2 : (fileMpp.x ?? fileMpp.y);
  const mppLevel0 = options.requestMpp ?? fromFile ?? null;
  const mppSource: MppSource = options.requestMpp !== undefined ? 'request' : fromFile ? 'file' : 'none';
  if (options.tileAtLevel0) {
    return { patchSizeLevel0Px: inputSizePx, targetMpp: mppLevel0, mppLevel0, mppSource };
  }
  if (mppLevel0 === null) {
    const name = options.slideName ? `${options.slideName} has` : 'This slide has';
    throw new PathLensError(
      'missing_mpp',
      `${name} no pixel size (MPP, µm per pixel) in its metadata, so it cannot be tiled at ${targetMpp} µm/px. ` +
        'Give the level-0 pixel size: `pathlens ingest --mpp 0.25 <file>`, or "mpp": 0.25 in the POST /v1/slides request (a JSON field or a multipart field). ' +
        'Or tile at full resolution without a physical scale: `--tile-level0` / "tile_at_level0": true.',
      { targetMpp },
    );
  }
  const patchSizeLevel0Px = Math.max(1, Math.round((inputSizePx * targetMpp) / mppLevel0));
  return { patchSizeLevel0Px, targetMpp, mppLevel0, mppSource };
}
