import type { SlideOpener } from '@pathlens/slide-reader';
import type { SlideRow } from '@pathlens/store';
import { encodeJpeg, renderRegion } from '@pathlens/viewer';

/** A square level-0 region as a JPEG: `outputSidePx` on its longer side at most, clipped at the slide's edges. */
export type RegionJpegRenderer = (
  slide: Pick<SlideRow, 'source' | 'filePath' | 'widthPx' | 'heightPx'>,
  region: { xLevel0: number; yLevel0: number; sizeLevel0Px: number },
  outputSidePx: number,
) => Promise<Uint8Array>;

/**
 * Renders square level-0 crops from the smallest pyramid level that has the pixels, opening each slide
 * (a file or a DICOMweb series) through `openSlide`.
 */
export function regionJpegRenderer(openSlide: SlideOpener): RegionJpegRenderer {
  return async (slide, region, outputSidePx) => {
    const widthLevel0 = Math.min(region.sizeLevel0Px, slide.widthPx - region.xLevel0);
    const heightLevel0 = Math.min(region.sizeLevel0Px, slide.heightPx - region.yLevel0);
    const scale = Math.min(1, outputSidePx / region.sizeLevel0Px);
    const output = {
      widthPx: Math.max(1, Math.round(widthLevel0 * scale)),
      heightPx: Math.max(1, Math.round(heightLevel0 * scale)),
    };
    const reader = await openSlide(slide);
    try {
      const levelRegion = { xLevel0: region.xLevel0, yLevel0: region.yLevel0, widthLevel0, heightLevel0 };
      return new Uint8Array(await encodeJpeg(await renderRegion(reader, levelRegion, output), 85));
    } finally {
      await reader.close();
    }
  };
}
