import type { Command } from 'commander';
import { createLogger, PathLensError, threadBudget, type Config, type Logger } from '@pathlens/core';
import { ClipImageEncoder } from '@pathlens/encoders';
import { IngestionWorker, ingestionOptionsFromConfig } from '@pathlens/ingest';
import { tinyChatModelId } from '@pathlens/models';
import { selectModels } from '@pathlens/server';
import { DicomWebServers, slideOpener } from '@pathlens/slide-reader';
import { embeddingDimension, openStore } from '@pathlens/store';
import { addConfigOptions, configFromOptions } from '../config-options.ts';

/**
 * `pathlens worker`: a standalone ingestion worker on a PostgreSQL server's queue. Start as
 * many as the machines allow; they share the queue without taking a slide twice. SIGTERM or
 * SIGINT stops it after the batch in hand is stored, and the slide goes back to the queue.
 */
export function workerCommand(program: Command): void {
  addConfigOptions(
    program
      .command('worker')
      .description(
        'Ingest queued slides from the PostgreSQL server at DATABASE_URL (run one or more beside `pathlens serve`)',
      )
      .option('--exit-when-idle', 'exit once no slide is left to ingest, instead of waiting for more'),
  ).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options);
    if (!config.databaseUrl) {
      throw new PathLensError(
        'invalid_config',
        '`pathlens worker` needs DATABASE_URL: the embedded store can only be opened by one process, and `pathlens serve` already runs its ingestion worker. To ingest in separate processes, set DATABASE_URL=postgres://… (a PostgreSQL server with pgvector) for the server and every worker.',
      );
    }
    const logger = createLogger(config.logLevel);
    await runWorker({ ...config, databaseUrl: config.databaseUrl }, logger, {
      exitWhenIdle: Boolean(options.exitWhenIdle),
    });
  });
}

async function runWorker(
  config: Config & { databaseUrl: string },
  logger: Logger,
  options: { exitWhenIdle: boolean },
): Promise<void> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  let imageEncoder: ClipImageEncoder | undefined;
  try {
    // A worker needs only the image encoder: pick it exactly as the server does (so both
    // embed in the same space), without fetching a chat model it would never load.
    const models = await selectModels({ ...config, chatModel: tinyChatModelId }, logger, (line) => logger.info(line));
    const entry = models.imageTextEncoder;
    if (entry.demo)
      logger.warn(
        `DEMO MODEL: the image encoder is the generated ${entry.id}; its embeddings mean nothing clinically.`,
      );
    imageEncoder = await ClipImageEncoder.load({
      modelsDir: config.modelsDir,
      modelId: entry.id,
      dtype: entry.dtype,
      lowMemory: config.encoderLowMemory,
      onnxThreads: threadBudget({ cpuThreads: config.cpuThreads }).onnxIntraOpThreads,
    });
    if (imageEncoder.embeddingDimension !== embeddingDimension) {
      throw new PathLensError(
        'invalid_config',
        `IMAGE_TEXT_ENCODER ${entry.id} makes ${imageEncoder.embeddingDimension}-d embeddings; the store holds ${embeddingDimension}-d vectors.`,
      );
    }
    const openSlide = slideOpener(DicomWebServers.fromSettings(config));
    const worker = new IngestionWorker(
      { store, imageEncoder, logger, openSlide },
      { ...ingestionOptionsFromConfig(config), concurrency: 1 },
    );
    const stopped = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const keepAlive = setInterval(() => {}, 1 << 30); // the worker's own timers never hold the process
    try {
      await worker.start();
      const counts = await store.ingestionJobs.countByStatus();
      logger.info(
        `worker ${worker.workerIds.join(', ')} ready: encoder ${imageEncoder.modelId}, store ${store.handle.location}`,
        { queued: counts.queued, running: counts.running },
      );
      const reason = await Promise.race([
        stopped,
        options.exitWhenIdle ? worker.idle().then(() => 'queue empty') : new Promise<string>(() => {}),
      ]);
      logger.info(
        reason === 'queue empty'
          ? 'queue empty: exiting'
          : `${reason}: stopping; the slide in progress keeps its stored batches and goes back to the queue`,
      );
      await worker.stop();
    } finally {
      clearInterval(keepAlive);
    }
  } finally {
    await imageEncoder?.dispose();
    await store.close();
  }
}
