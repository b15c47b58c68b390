import type { TiffPage } from '../../packages/slide-reader/src/tiff/read-tiff-pages.ts';

/** A TIFF page as `readTiffPages` describes it: a tiled JPEG page of the given size, plus any overrides. */
export function tiffPage(index: number, widthPx: number, heightPx: number, extra: Partial<TiffPage> = {}): TiffPage {
  return {
    index,
    widthPx,
    heightPx,
    tileWidthPx: 256,
    tileHeightPx: 256,
    compression: 7,
    description: null,
    newSubfileType: 0,
    resolution: null,
    subIfdOffsets: [],
    tagNumbers: [],
    xmp: null,
    subPages: [],
    ...extra,
  };
}
