import { openSlide } from '@pathlens/slide-reader';
import type { SlideRow } from '@pathlens/store';
import { encodeJpeg, renderRegion } from '@pathlens/viewer';

/**
 * A square level-0 crop of a slide as JPEG bytes, `outputSidePx` on its longer side at most,
 * read from the smallest pyramid level that has the pixels. Clipped at the slide's edges.
 */
export async function renderRegionJpeg(
  slide: Pick<SlideRow, 'filePath' | 'widthPx' | 'heightPx'>,
  region: { xLevel0: number; yLevel0: number; sizeLevel0Px: number },
  outputSidePx: number,
): Promise<Uint8Array> {
  const widthLevel0 = Math.min(region.sizeLevel0Px, slide.widthPx - region.xLevel0);
  const heightLevel0 = Math.min(region.sizeLevel0Px, slide.heightPx - region.yLevel0);
  const scale = Math.min(1, outputSidePx / region.sizeLevel0Px);
  const output = { widthPx: Math.max(1, Math.round(widthLevel0 * scale)), heightPx: Math.max(1, Math.round(heightLevel0 * scale)) };
  const reader = await openSlide(slide.filePath);
  try {
    return new Uint8Array(await encodeJpeg(await renderRegion(reader, { xLevel0: region.xLevel0, yLevel0: region.yLevel0, widthLevel0, heightLevel0 }, output), 85));
  } finally {
    await reader.close();
  }
}
