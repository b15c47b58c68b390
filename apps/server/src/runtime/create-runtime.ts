import { createGuardedFetch, PathLensError, threadBudget, type Config, type Logger } from '@pathlens/core';
import { ClipImageEncoder, ClipTextEncoder, WorkerThreadImageEncoder } from '@pathlens/encoders';
import { IngestionWorker, ingestionOptionsFromConfig, tissueDetectionSettingsFromConfig } from '@pathlens/ingest';
import { DicomWebServers, slideOpener } from '@pathlens/slide-reader';
import { SlideViewer } from '@pathlens/viewer';
import { loadLanguageModel } from '@pathlens/language-model';
import { labelSetFindings, loadReportTemplates } from '@pathlens/assistant';
import { createPhiScrubber, PairImportWorker } from '@pathlens/library';
import { LabelSetCatalog } from '@pathlens/retrieval';
import { embeddingDimension, openStore, type Store } from '@pathlens/store';
import { languageModelSettings } from './language-model-settings.ts';
import type { Runtime } from './runtime.ts';
import { selectModels } from './select-models.ts';
import { uploadsDirectory } from '../http/multipart/receive-upload.ts';
import { removeAbandonedUploads } from './remove-abandoned-uploads.ts';

/**
 * Open the store (migrating it), pick and load the models, and start the ingestion worker,
 * which resumes whatever an earlier process left unfinished.
 */
export async function createRuntime(
  config: Config,
  logger: Logger,
  options: { serverUrl?: string } = {},
): Promise<Runtime> {
  // Before anything heavy: a broken label-set file stops start-up at once, naming the file and field.
  const labelSets = await LabelSetCatalog.load({ userDirectory: config.labelSetsDir });
  const reportTemplates = await loadReportTemplates({ extraDir: config.reportTemplatesDir });
  const store: Store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    serverUrl: options.serverUrl,
  });
  const abandonedUploads = await removeAbandonedUploads(uploadsDirectory(config.dataDir), {
    olderThanMs: 24 * 3_600_000,
  });
  if (abandonedUploads > 0)
    logger.info(`removed ${abandonedUploads} upload(s) a crash cut off (.incoming-* over a day old)`);
  try {
    logger.info(`store: ${store.handle.driver} at ${store.handle.location} (migrated)`);
    const models = await selectModels(config, logger, (line) => logger.info(line));
    if (models.demoWarning) logger.warn(models.demoWarning);
    const encoder = models.imageTextEncoder;
    if (encoder.embeddingDimension !== embeddingDimension) {
      throw new PathLensError(
        'invalid_config',
        `IMAGE_TEXT_ENCODER ${encoder.id} makes ${encoder.embeddingDimension}-d embeddings; this store holds ${embeddingDimension}-d vectors. Pick a ${embeddingDimension}-d encoder.`,
      );
    }
    const loadOptions = {
      modelsDir: config.modelsDir,
      modelId: encoder.id,
      dtype: encoder.dtype,
      lowMemory: config.encoderLowMemory,
      onnxThreads: threadBudget({ cpuThreads: config.cpuThreads }).onnxIntraOpThreads,
    };
    const [imageEncoder, textEncoder, languageModel] = await Promise.all([
      // In a worker thread by default: encoding a batch takes seconds and would otherwise hold up every request and
      // heartbeat.
      config.encoderThread === 'worker'
        ? WorkerThreadImageEncoder.load(loadOptions)
        : ClipImageEncoder.load(loadOptions),
      ClipTextEncoder.load(loadOptions),
      loadLanguageModel(languageModelSettings(config, models)),
    ]);
    logger.info(
      `models: encoder ${imageEncoder.modelId} (${encoder.dtype}), chat ${languageModel.modelId}${models.chat && config.chatProvider === 'local' ? ` (${models.chat.dtype})` : ''}`,
    );
    const dicomWeb = DicomWebServers.fromSettings(config);
    const openSlide = slideOpener(dicomWeb);
    const ingestion = new IngestionWorker(
      { store, imageEncoder, logger, openSlide },
      {
        ...ingestionOptionsFromConfig(config),
        processKind: 'server',
      },
    );
    if (config.ingestWorkers === 0 && store.handle.driver === 'pglite') {
      logger.warn(
        'INGEST_WORKERS=0 on the embedded store: slides stay queued, as no other process can open this database to ingest them. Set INGEST_WORKERS=1.',
      );
    } else if (config.ingestWorkers === 0) {
      logger.info(
        'INGEST_WORKERS=0: this server ingests nothing; `pathlens worker` processes on the same DATABASE_URL do.',
      );
    }
    await ingestion.start();
    const phiScrubber = createPhiScrubber(config.phiScrubbing);
    const outboundFetch = createGuardedFetch({
      allowedHosts: config.fetchAllowedHosts,
      maxBytes: config.fetchMaxMegabytes * 1_048_576,
      timeoutMs: config.fetchTimeoutSeconds * 1000,
    });
    const pairImports = new PairImportWorker(
      { store, imageEncoder, textEncoder, phiScrubber, logger, fetch: outboundFetch },
      { dataDir: config.dataDir, batchSize: config.encoderBatchSize },
    );
    await pairImports.start();
    const viewer = new SlideViewer({
      dataDir: config.dataDir,
      serveLabelImage: config.serveLabelImage,
      associatedImages: config.associatedImages,
      tissueDetection: tissueDetectionSettingsFromConfig(config),
      openSlide,
    });
    return {
      config,
      logger,
      store,
      outboundFetch,
      imageEncoder,
      textEncoder,
      languageModel,
      ingestion,
      dicomWeb,
      openSlide,
      viewer,
      models,
      pairImports,
      phiScrubber,
      labelSets,
      reportTemplates,
      findings: labelSetFindings({ labelSets, textEncoder, defaultLogitScale: config.zeroShotLogitScale }),
      async close() {
        await ingestion.stop();
        await pairImports.stop();
        await viewer.close();
        await Promise.all([imageEncoder.dispose(), textEncoder.dispose(), languageModel.dispose()]);
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
