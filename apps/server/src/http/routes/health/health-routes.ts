import { Hono } from 'hono';
import type { RuntimeHolder } from '../../runtime-holder.ts';

/** `/healthz`: the process answers. `/readyz`: database migrated and models loaded. */
export function healthRoutes(holder: RuntimeHolder) {
  return new Hono()
    .get('/healthz', (context) => context.json({ status: 'ok' }))
    .get('/readyz', (context) => {
      const runtime = holder.runtime;
      if (!runtime) {
        return context.json(
          { status: holder.startupError ? 'failed' : 'starting', error: holder.startupError?.message ?? null },
          503,
        );
      }
      return context.json({
        status: 'ready',
        database: { driver: runtime.store.handle.driver, migrated: true },
        models: { image_text_encoder: runtime.imageEncoder.modelId, chat: runtime.languageModel.modelId },
        demo_warning: runtime.models.demoWarning,
      });
    });
}
