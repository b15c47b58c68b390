/**
 * How tissue is told from glass on a low-resolution copy of the slide. The defaults follow
 * CLAM's segmentation (median blur 7, closing 4, on a level of ≈ 16 µm/px at 40×) and its
 * biopsy preset for areas (one 512-px reference patch at 40×, ≈ 0.016 mm², for both tissue
 * pieces and holes), with the resolution and areas in physical units so they mean the same
 * on any scanner.
 */
export interface TissueDetectionSettings {
  /** µm per mask pixel (the mask is a thumbnail at about this resolution). */
  maskMpp: number;
  /** Median blur window on the saturation channel, in mask pixels (odd, ≥ 1). */
  medianBlurPx: number;
  /** Side of the square closing kernel, in mask pixels (0 or 1: no closing). */
  closingPx: number;
  /** Otsu's threshold on saturation (0–255) is kept inside this range, so a slide that is all tissue (no glass for Otsu
   * to split off) is not cut in two by stain.
   */
  minSaturationThreshold: number;
  maxSaturationThreshold: number;
  /** Tissue pieces smaller than this are dropped (dust, debris), mm². */
  minTissueAreaMm2: number;
  /** Holes in tissue smaller than this are filled, mm². */
  minHoleAreaMm2: number;
  /** Longest mask side; a coarser mask is made for a bigger slide. */
  maxMaskSidePx: number;
  /** µm per level-0 pixel assumed for the mask's geometry when the slide has no MPP (tiled at level 0 by choice). */
  assumedMppWithoutMetadata: number;
}

export const defaultTissueDetectionSettings: TissueDetectionSettings = {
  maskMpp: 8,
  medianBlurPx: 7,
  closingPx: 4,
  minSaturationThreshold: 8,
  maxSaturationThreshold: 30,
  minTissueAreaMm2: 0.016,
  minHoleAreaMm2: 0.016,
  maxMaskSidePx: 4096,
  assumedMppWithoutMetadata: 0.5,
};

/** The configurable part of the settings, from PathLens's configuration (TISSUE_* variables). */
export function tissueDetectionSettingsFromConfig(config: {
  tissueMaskMpp: number;
  tissueMedianBlurPx: number;
  tissueClosingPx: number;
  tissueMinAreaMm2: number;
  tissueMinHoleAreaMm2: number;
}): Partial<TissueDetectionSettings> {
  return {
    maskMpp: config.tissueMaskMpp,
    medianBlurPx: config.tissueMedianBlurPx,
    closingPx: config.tissueClosingPx,
    minTissueAreaMm2: config.tissueMinAreaMm2,
    minHoleAreaMm2: config.tissueMinHoleAreaMm2,
  };
}
