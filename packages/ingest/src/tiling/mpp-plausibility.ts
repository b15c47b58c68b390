import type { FileMppProvenance } from '@pathlens/slide-reader';
import { derivedMppProvenances } from '@pathlens/slide-reader';

/** Level-0 pixel sizes of whole-slide scans (≈ 100× to 5×), µm. */
export const scannerMppRange = { min: 0.1, max: 2 } as const;
/** Pixels of a scan are square: x and y sizes differing by more than this fraction of their mean are not believed. */
export const maxMppAnisotropy = 0.1;
/** An MPP more than this factor away from what the objective gives (≈ 10 µm ÷ power) disagrees with it. */
export const maxObjectiveDisagreement = 2;

export interface FileMpp {
  mppX: number | null;
  mppY: number | null;
  provenance: FileMppProvenance | null;
  objectivePower: number | null;
}

export interface MppAssessment {
  /** What the file's MPP looks like; `refused`: derived and implausible, not used. */
  verdict: 'none' | 'trusted' | 'flagged' | 'refused';
  /** One line per problem found, each saying what was measured. */
  problems: string[];
}

/**
 * Check a file's level-0 MPP the way a pathologist would before measuring with it: square
 * pixels (x and y within 10%), a scanner's range (0.1–2 µm/px), and agreement with the
 * objective power when the file states one (≈ 10 µm ÷ power, within a factor of 2). A value
 * derived from other quantities (DICOM Imaged Volume) that fails any check is `refused`; a
 * stated one that fails is `flagged` (used, with the problems recorded on the slide).
 *
 * @example
 * assessFileMpp({ mppX: 4.6, mppY: 5.7, provenance: 'imaged_volume', objectivePower: 20 }).verdict; // 'refused'
 */
export function assessFileMpp(file: FileMpp): MppAssessment {
  const { mppX, mppY } = file;
  if (!mppX && !mppY) return { verdict: 'none', problems: [] };
  const problems: string[] = [];
  const mean = mppX && mppY ? (mppX + mppY) / 2 : (mppX ?? mppY)!;
  if (mppX && mppY && Math.abs(mppX - mppY) / mean > maxMppAnisotropy) {
    problems.push(
      `x and y pixel sizes differ (${mppX.toFixed(3)} × ${mppY.toFixed(3)} µm/px, ${Math.round((Math.abs(mppX - mppY) / mean) * 100)}% apart), but scanned pixels are square`,
    );
  }
  if (mean < scannerMppRange.min || mean > scannerMppRange.max) {
    problems.push(
      `${mean.toFixed(3)} µm/px is outside what slide scanners record (${scannerMppRange.min}–${scannerMppRange.max} µm/px)`,
    );
  }
  if (file.objectivePower) {
    const expected = 10 / file.objectivePower;
    if (mean / expected > maxObjectiveDisagreement || expected / mean > maxObjectiveDisagreement) {
      problems.push(
        `${mean.toFixed(3)} µm/px disagrees with the ${file.objectivePower}× objective (about ${expected.toFixed(2)} µm/px)`,
      );
    }
  }
  if (!problems.length) return { verdict: 'trusted', problems };
  return { verdict: file.provenance && derivedMppProvenances.has(file.provenance) ? 'refused' : 'flagged', problems };
}

/** How to give the right MPP, for messages. */
export const howToGiveMpp =
  'Give the level-0 pixel size from the scanner’s record: `pathlens ingest --mpp 0.25 <file>` or "mpp": 0.25 in POST /v1/slides ' +
  '(for a slide already registered: POST /v1/slides/:id/reingest with {"mpp": 0.25}, or `pathlens reingest <id> --mpp 0.25`); ' +
  'or tile at full resolution without a physical scale: "tile_at_level0": true.';
