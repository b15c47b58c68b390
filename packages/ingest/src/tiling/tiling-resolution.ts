import { PathLensError } from '@pathlens/core';
import type { FileMppProvenance } from '@pathlens/slide-reader';
import { assessFileMpp, howToGiveMpp } from './mpp-plausibility.ts';

/**
 * Where a slide's level-0 MPP came from: a provenance in the file (`pixel_spacing`,
 * `imaged_volume`, `scanner_metadata`, …), the user (`user`: `--mpp`, "mpp"), or nowhere
 * (`none`: tiled at level 0 by choice). `file` and `request` are what rows stored before
 * provenance was recorded say (the file, the user).
 */
export type MppSource = FileMppProvenance | 'user' | 'none' | 'file' | 'request';

/** Patches upsampled more than this from the source get a warning by default (MAX_UPSAMPLE_FACTOR). */
export const defaultMaxUpsampleFactor = 2;

/** How a slide is tiled, decided once at registration and stored on the slide. */
export interface TilingResolution {
  /** Side of one patch in level-0 pixels. */
  patchSizeLevel0Px: number;
  /** µm per pixel of the patches the encoder sees; null when tiled at level 0 without a known MPP. */
  targetMpp: number | null;
  /** µm per level-0 pixel used (x and y averaged); null when unknown. */
  mppLevel0: number | null;
  mppSource: MppSource;
  /** What a reader of the results should know: a flagged MPP, patches upsampled from a coarse source. Stored on the
   * slide.
   */
  warnings: string[];
}

/** True when the MPP was given by a person, not read from the file. */
export const isUserMpp = (source: string) => source === 'user' || source === 'request';

/**
 * The patch size for a slide: at `targetMpp` µm/px, an encoder input of `inputSizePx` covers
 * `inputSizePx × targetMpp` µm, so `round(inputSizePx × targetMpp / mppLevel0)` level-0 pixels.
 * The MPP given in the request wins over the file's. The file's is checked first
 * (`assessFileMpp`): a derived, implausible one is refused with `implausible_mpp`, a stated,
 * implausible one is used with a warning. Without any MPP this refuses with `missing_mpp`,
 * unless `tileAtLevel0` asks for level-0 patches of the input size. Patches upsampled by more
 * than `maxUpsampleFactor` from the source are warned about.
 *
 * @example
 * tilingResolution({ inputSizePx: 224, targetMpp: 0.5, fileMpp: { x: 0.25, y: 0.25 } }).patchSizeLevel0Px; // 448
 */
export function tilingResolution(options: {
  inputSizePx: number;
  targetMpp: number;
  fileMpp: {
    x: number | null;
    y: number | null;
    provenance?: FileMppProvenance | null | undefined;
    objectivePower?: number | null | undefined;
  };
  requestMpp?: number | undefined;
  tileAtLevel0?: boolean | undefined;
  /** For the refusal message. */
  slideName?: string | undefined;
  maxUpsampleFactor?: number | undefined;
}): TilingResolution {
  const { inputSizePx, targetMpp, fileMpp } = options;
  const name = options.slideName ? `${options.slideName} has` : 'This slide has';
  const warnings: string[] = [];
  let fromFile = fileMpp.x && fileMpp.y ? (fileMpp.x + fileMpp.y) / 2 : (fileMpp.x ?? fileMpp.y);
  if (options.requestMpp === undefined && fromFile) {
    const provenance = fileMpp.provenance ?? null;
    const assessment = assessFileMpp({
      mppX: fileMpp.x,
      mppY: fileMpp.y,
      provenance,
      objectivePower: fileMpp.objectivePower ?? null,
    });
    const where = provenance ? ` (from ${provenance.replace(/_/g, ' ')})` : '';
    if (assessment.verdict === 'refused') {
      if (!options.tileAtLevel0) {
        throw new PathLensError(
          'implausible_mpp',
          `${name} a derived pixel size${where} that is not plausible: ${assessment.problems.join('; ')}. ${howToGiveMpp}`,
          {
            mppX: fileMpp.x,
            mppY: fileMpp.y,
            mppProvenance: provenance,
            problems: assessment.problems,
          },
        );
      }
      warnings.push(`The file's derived pixel size${where} was not used: ${assessment.problems.join('; ')}.`);
      fromFile = null;
    } else if (assessment.verdict === 'flagged') {
      warnings.push(
        `The file's pixel size${where} looks wrong: ${assessment.problems.join('; ')}. Measurements depend on it; if it is wrong, re-ingest with the right "mpp".`,
      );
    }
  }
  const mppLevel0 = options.requestMpp ?? fromFile ?? null;
  const mppSource: MppSource =
    options.requestMpp !== undefined ? 'user' : fromFile ? (fileMpp.provenance ?? 'file') : 'none';
  if (options.tileAtLevel0) {
    return { patchSizeLevel0Px: inputSizePx, targetMpp: mppLevel0, mppLevel0, mppSource, warnings };
  }
  if (mppLevel0 === null) {
    throw new PathLensError(
      'missing_mpp',
      `${name} no pixel size (MPP, µm per pixel) in its metadata, so it cannot be tiled at ${targetMpp} µm/px. ` +
        'Give the level-0 pixel size: `pathlens ingest --mpp 0.25 <file>`, or "mpp": 0.25 in the POST /v1/slides request (a JSON field or a multipart field). ' +
        'Or tile at full resolution without a physical scale: `--tile-level0` / "tile_at_level0": true.',
      { targetMpp },
    );
  }
  const patchSizeLevel0Px = Math.max(1, Math.round((inputSizePx * targetMpp) / mppLevel0));
  const upsample = inputSizePx / patchSizeLevel0Px;
  if (upsample > (options.maxUpsampleFactor ?? defaultMaxUpsampleFactor)) {
    warnings.push(
      `Patches are upsampled ${upsample.toFixed(1)}× from the source: ${patchSizeLevel0Px} level-0 px (${mppLevel0.toFixed(3)} µm/px) per ${inputSizePx}-px patch at ${targetMpp} µm/px, ` +
        `so the encoder sees blurred tissue. If the MPP is right, re-ingest with "target_mpp": ${mppLevel0.toPrecision(2)} (or coarser); if it is wrong, with the right "mpp".`,
    );
  }
  return { patchSizeLevel0Px, targetMpp, mppLevel0, mppSource, warnings };
}
