import { threadBudget, type Config } from '@pathlens/core';
import type { IngestionWorkerOptions } from '../ingestion-worker.ts';
import { tissueDetectionSettingsFromConfig } from '../tissue/tissue-detection-settings.ts';

/**
 * The one mapping from configuration to ingestion settings, shared by the server's workers
 * and `pathlens worker` processes, so a slide is ingested the same way whichever process
 * takes it. Pipeline settings added to `IngestSlideOptions` belong here too.
 *
 * @example
 * const ingestion = new IngestionWorker({ store, imageEncoder, logger }, ingestionOptionsFromConfig(config));
 */
export function ingestionOptionsFromConfig(config: Config): IngestionWorkerOptions {
  const budget = threadBudget({ cpuThreads: config.cpuThreads });
  return {
    readConcurrency: budget.readsInFlight,
    libvipsConcurrency: budget.libvipsConcurrency,
    minTissueFraction: config.minTissueFraction,
    batchSize: config.encoderBatchSize,
    dataDir: config.dataDir,
    tissueDetection: tissueDetectionSettingsFromConfig(config),
    concurrency: config.ingestWorkers,
    maxAttempts: config.ingestMaxAttempts,
    staleAfterSeconds: config.ingestStaleSeconds,
    patchIndex: { minRows: config.patchIndexMinRows, growthFactor: config.patchIndexGrowthFactor },
  };
}
