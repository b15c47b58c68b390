import { Hono } from 'hono';
import type { AppEnvironment } from '../../app-environment.ts';

/** `GET /v1/models`: the models this server runs, OpenAI's list shape plus task and demo flags. */
export function modelsRoutes() {
  return new Hono<AppEnvironment>().get('/v1/models', (context) => {
    const runtime = context.get('runtime');
    const { imageTextEncoder, chat, demoWarning } = runtime.models;
    const view = (entry: typeof chat | typeof imageTextEncoder) => ({
      id: entry.id,
      object: 'model',
      created: 0,
      owned_by: entry.source.kind === 'generated' ? 'pathlens-generated' : entry.source.repository,
      task: entry.task,
      demo: entry.demo,
      warning: entry.demo ? demoWarning : null,
    });
    return context.json({ object: 'list', data: [view(chat), view(imageTextEncoder)], demo_warning: demoWarning });
  });
}
