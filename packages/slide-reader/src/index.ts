export type {
  RgbImage,
  SlideFormat,
  SlideLevel,
  SlideProperties,
  SlideReader,
  SlideReaderKind,
  SlideRegion,
} from './slide-reader.ts';
export { slideFormats } from './slide-reader.ts';
export { openSlide, type OpenSlideOptions } from './open-slide.ts';
export { detectSlideFormat } from './detect-slide-format.ts';
export { defaultSlideSizeLimits, type SlideSizeLimits } from './slide-size-limits.ts';
export { supportedFormatsText } from './file-signature.ts';
export { plausibleMppRange } from './resolution-mpp.ts';
export { openSlideInstallHint, openSlideStatus } from './openslide/openslide-library.ts';
export { DicomWebClient, type DicomWebClientOptions } from './dicomweb/dicomweb-client.ts';
export { DicomWebServers, type DicomWebSettings } from './dicomweb/dicomweb-servers.ts';
export { openDicomWebSlide, type DicomWebSeriesLocation } from './dicomweb/open-dicomweb-slide.ts';
export { searchSlideSeries, type SlideSeriesQuery, type SlideSeriesSummary } from './dicomweb/search-slide-series.ts';
export { checkDicomUid, checkSeriesUids } from './dicomweb/dicom-uid.ts';
export {
  dicomWebLocation,
  fileSlideOpener,
  parseDicomWebLocation,
  slideOpener,
  type SlideOpener,
  type SlideSourceKind,
  type SlideSourceRecord,
} from './slide-source.ts';
export { derivedMppProvenances, fileMppProvenances, type FileMppProvenance } from './mpp-provenance.ts';
export * from './associated-image-kind.ts';
