import { Hono } from 'hono';
import type { AppEnvironment } from '../../app-environment.ts';

/**
 * `GET /v1/status`: what an operator watches — the models (and whether they are demo models),
 * the chat queue right now, slides per ingestion state, and this process's ingestion workers
 * with the slide each is on.
 */
export function statusRoutes() {
  return new Hono<AppEnvironment>().get('/v1/status', async (context) => {
    const runtime = context.get('runtime');
    const { languageModel, imageEncoder, ingestion, models } = runtime;
    const queue = languageModel.queue.stats();
    const slides = await runtime.store.ingestionJobs.countByStatus();
    const running = (await runtime.store.slides.list()).filter((slide) => slide.status === 'running');
    return context.json({
      object: 'status',
      demo_warning: models.demoWarning,
      models: [
        { id: languageModel.modelId, task: 'chat', provider: languageModel.provider, demo: languageModel.demo },
        {
          id: models.imageTextEncoder.id,
          task: models.imageTextEncoder.task,
          provider: 'local',
          demo: models.imageTextEncoder.demo,
        },
      ],
      chat_queue: {
        concurrency: queue.concurrency,
        max_waiting: queue.maxWaiting,
        running: queue.running,
        waiting: queue.waiting,
        rejected: queue.rejected,
      },
      ingestion: {
        slides,
        encoder: imageEncoder.modelId,
        workers: ingestion.workerIds.map((workerId) => {
          const slide = running.find((candidate) => candidate.workerId === workerId);
          return {
            id: workerId,
            slide_id: slide?.id ?? null,
            slide_name: slide?.name ?? null,
            progress: slide ? (ingestion.progress(slide.id)?.tilesDone ?? null) : null,
          };
        }),
        other_workers_running: running.filter(
          (slide) => slide.workerId && !ingestion.workerIds.includes(slide.workerId),
        ).length,
      },
    });
  });
}
