import type { FindingsSource, ReportTemplate } from '@pathlens/assistant';
import type { Config, GuardedFetch, Logger } from '@pathlens/core';
import type { ImageEncoder, TextEncoder } from '@pathlens/encoders';
import type { IngestionWorker } from '@pathlens/ingest';
import type { LanguageModel } from '@pathlens/language-model';
import type { PairImportWorker, PhiScrubber } from '@pathlens/library';
import type { LabelSetCatalog } from '@pathlens/retrieval';
import type { DicomWebServers, SlideOpener } from '@pathlens/slide-reader';
import type { Store } from '@pathlens/store';
import type { SlideViewer } from '@pathlens/viewer';
import type { SelectedModels } from './select-models.ts';

/** Everything a request handler may use, built once at start-up and passed in. */
export interface Runtime {
  config: Config;
  logger: Logger;
  store: Store;
  /** The one way to fetch a URL a user gave (FETCH_ALLOWED_HOSTS, public addresses only, size and time limits). */
  outboundFetch: GuardedFetch;
  imageEncoder: ImageEncoder;
  textEncoder: TextEncoder;
  languageModel: LanguageModel;
  ingestion: IngestionWorker;
  /** The configured DICOMweb servers (DICOMWEB_ENDPOINTS); empty when none. */
  dicomWeb: DicomWebServers;
  /** Opens a slide row's pixels: its file, or its series on a DICOMweb server. */
  openSlide: SlideOpener;
  /** Deep Zoom tiles, thumbnails, tissue overlays and associated images of slides. */
  viewer: SlideViewer;
  models: SelectedModels;
  /** Library imports (`POST /v1/pairs/import`), run in the background and resumed at start. */
  pairImports: PairImportWorker;
  /** PHI_SCRUBBING's scrubber, for captions and free text before they are stored. */
  phiScrubber: PhiScrubber;
  /** Zero-shot label sets: the shipped ones and LABEL_SETS_DIR's. */
  labelSets: LabelSetCatalog;
  /** Report templates by id: the shipped ones and REPORT_TEMPLATES_DIR's. */
  reportTemplates: Map<string, ReportTemplate>;
  /** Zero-shot findings for a slide (every label set, its mean embedding): chat and report evidence. */
  findings: FindingsSource;
  close(): Promise<void>;
}
