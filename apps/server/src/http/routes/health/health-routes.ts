import { Hono } from 'hono';
import type { RuntimeHolder } from '../../runtime-holder.ts';

/**
 * `/healthz`: the process answers. `/readyz`: database migrated and models loaded, and the state
 * of the cross-slide patch index (`exact` on the embedded store; read from the catalog at most
 * every 10 s on a server).
 */
export function healthRoutes(holder: RuntimeHolder) {
  return new Hono()
    .get('/healthz', (context) => context.json({ status: 'ok' }))
    .get('/readyz', async (context) => {
      const runtime = holder.runtime;
      if (!runtime) {
        return context.json(
          { status: holder.startupError ? 'failed' : 'starting', error: holder.startupError?.message ?? null },
          503,
        );
      }
      const patchIndex = await runtime.store.patchIndex.recentState().catch(() => undefined);
      return context.json({
        status: 'ready',
        database: {
          driver: runtime.store.handle.driver,
          migrated: true,
          patch_index: patchIndex && {
            status: patchIndex.status,
            lists: patchIndex.lists ?? null,
            rows_at_build: patchIndex.rowsAtBuild ?? null,
            building: patchIndex.building ?? false,
          },
        },
        models: { image_text_encoder: runtime.imageEncoder.modelId, chat: runtime.languageModel.modelId },
        demo_warning: runtime.models.demoWarning,
      });
    });
}
