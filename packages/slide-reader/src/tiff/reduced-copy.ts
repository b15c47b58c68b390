import type { TiffPage } from './read-tiff-pages.ts';

/** Page 0 px per page px when `page` is page 0 shrunk by one factor, else null. */
export function reducedCopyDownsample(firstPage: TiffPage, page: TiffPage): number | null {
  // Averaged like OpenSlide: levels are rounded to whole pixels on each side.
  const downsample = (firstPage.widthPx / page.widthPx + firstPage.heightPx / page.heightPx) / 2;
  const toleratedPx = 1.5;
  const fits =
    Math.abs(firstPage.widthPx / downsample - page.widthPx) <= toleratedPx &&
    Math.abs(firstPage.heightPx / downsample - page.heightPx) <= toleratedPx;
  return fits && downsample > 1 ? downsample : null;
}
