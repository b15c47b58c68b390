import type { Config, Logger } from '@pathlens/core';
import type { ImageEncoder, TextEncoder } from '@pathlens/encoders';
import type { IngestionWorker } from '@pathlens/ingest';
import type { LanguageModel } from '@pathlens/language-model';
import type { Store } from '@pathlens/store';
import type { SelectedModels } from './select-models.ts';

/** Everything a request handler may use, built once at start-up and passed in. */
export interface Runtime {
  config: Config;
  logger: Logger;
  store: Store;
  imageEncoder: ImageEncoder;
  textEncoder: TextEncoder;
  languageModel: LanguageModel;
  ingestion: IngestionWorker;
  models: SelectedModels;
  close(): Promise<void>;
}
