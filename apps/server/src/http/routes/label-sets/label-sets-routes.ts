import { Hono } from 'hono';
import type { LabelSet } from '@pathlens/retrieval';
import type { AppEnvironment } from '../../app-environment.ts';

/** A label set as the API shows it; `prompts` only in the single-set view. */
export function labelSetView(labelSet: LabelSet, options: { withPrompts: boolean }) {
  return {
    object: 'label_set' as const,
    id: labelSet.id,
    name: labelSet.name,
    description: labelSet.description,
    built_in: labelSet.builtIn,
    logit_scale: labelSet.logitScale ?? null,
    classes: labelSet.classes.map((labelClass) => ({
      id: labelClass.id,
      name: labelClass.name,
      prompt_count: labelClass.prompts.length,
      ...(options.withPrompts ? { prompts: labelClass.prompts } : {}),
    })),
  };
}

/** `GET /v1/label-sets` and `GET /v1/label-sets/:id`: the zero-shot label sets this server offers. */
export function labelSetsRoutes() {
  return new Hono<AppEnvironment>()
    .get('/v1/label-sets', (context) => {
      const { labelSets } = context.get('runtime');
      return context.json({
        object: 'list',
        data: labelSets.list().map((labelSet) => labelSetView(labelSet, { withPrompts: false })),
      });
    })
    .get('/v1/label-sets/:id', (context) => {
      const { labelSets } = context.get('runtime');
      return context.json(labelSetView(labelSets.get(context.req.param('id')), { withPrompts: true }));
    });
}
