export type { RgbImage, SlideFormat, SlideLevel, SlideProperties, SlideReader, SlideReaderKind, SlideRegion } from './slide-reader.ts';
export { slideFormats } from './slide-reader.ts';
export { openSlide, type OpenSlideOptions } from './open-slide.ts';
export { detectSlideFormat } from './detect-slide-format.ts';
export { defaultSlideSizeLimits, type SlideSizeLimits } from './slide-size-limits.ts';
export { supportedFormatsText } from './file-signature.ts';
export { plausibleMppRange } from './resolution-mpp.ts';
export { openSlideInstallHint, openSlideStatus } from './openslide/openslide-library.ts';
export * from './associated-image-kind.ts';
