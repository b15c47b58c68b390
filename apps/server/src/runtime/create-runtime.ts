import { PathLensError, type Config, type Logger } from '@pathlens/core';
import { ClipImageEncoder, ClipTextEncoder } from '@pathlens/encoders';
import { IngestionWorker } from '@pathlens/ingest';
import { TransformersLanguageModel } from '@pathlens/language-model';
import { embeddingDimension, openStore, type Store } from '@pathlens/store';
import type { Runtime } from './runtime.ts';
import { selectModels } from './select-models.ts';

/**
 * Open the store (migrating it), pick and load the models, and start the ingestion worker,
 * which resumes whatever an earlier process left unfinished.
 */
export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const store: Store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    logger.info(`store: ${store.handle.driver} at ${store.handle.location} (migrated)`);
    const models = await selectModels(config, logger, (line) => logger.info(line));
    if (models.demoWarning) logger.warn(models.demoWarning);
    const encoder = models.imageTextEncoder;
    if (encoder.embeddingDimension !== embeddingDimension) {
      throw new PathLensError('invalid_config', `IMAGE_TEXT_ENCODER ${encoder.id} makes ${encoder.embeddingDimension}-d embeddings; this store holds ${embeddingDimension}-d vectors. Pick a ${embeddingDimension}-d encoder.`);
    }
    const loadOptions = { modelsDir: config.modelsDir, modelId: encoder.id, dtype: encoder.dtype };
    const [imageEncoder, textEncoder, languageModel] = await Promise.all([
      ClipImageEncoder.load(loadOptions),
      ClipTextEncoder.load(loadOptions),
      TransformersLanguageModel.load({
        modelsDir: config.modelsDir,
        modelId: models.chat.id,
        dtype: models.chat.dtype,
        contextLengthTokens: models.chat.contextLengthTokens,
        demo: models.chat.demo,
      }),
    ]);
    logger.info(`models: encoder ${imageEncoder.modelId}, chat ${languageModel.modelId}`);
    const ingestion = new IngestionWorker({ store, imageEncoder, logger }, { minTissueFraction: config.minTissueFraction, batchSize: config.encoderBatchSize });
    await ingestion.start();
    return {
      config,
      logger,
      store,
      imageEncoder,
      textEncoder,
      languageModel,
      ingestion,
      models,
      async close() {
        await ingestion.stop();
        await Promise.all([imageEncoder.dispose(), textEncoder.dispose(), languageModel.dispose()]);
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
