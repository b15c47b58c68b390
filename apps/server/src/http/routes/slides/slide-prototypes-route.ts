import { Hono } from 'hono';
import { defaultThumbnailUrls } from '@pathlens/assistant';
import type { AppEnvironment } from '../../app-environment.ts';
import { findSlide } from './find-slide.ts';

/**
 * `GET /v1/slides/:id/prototypes`: the slide's characteristic regions (k-means prototypes of its
 * patch embeddings), largest share first, each with its most representative patches in level-0
 * pixels and a crop URL, so a viewer can show and jump to them.
 */
export function slidePrototypesRoute() {
  return new Hono<AppEnvironment>().get('/v1/slides/:id/prototypes', async (context) => {
    const { store } = context.get('runtime');
    const slide = await findSlide(store, context.req.param('id'));
    const prototypes = await store.prototypes.forSlide(slide.id);
    return context.json({
      object: 'list',
      data: prototypes
        .sort((left, right) => right.weight - left.weight)
        .map((prototype) => ({
          id: prototype.id,
          object: 'prototype',
          cluster_index: prototype.clusterIndex,
          weight: prototype.weight,
          representative_patches: prototype.representativePatches.map((patch) => ({
            id: String(patch.id),
            x_level0: patch.xLevel0,
            y_level0: patch.yLevel0,
            size_level0_px: patch.sizeLevel0Px,
            tissue_fraction: patch.tissueFraction,
            thumbnail_url: defaultThumbnailUrls.region(slide.id, patch.xLevel0, patch.yLevel0, patch.sizeLevel0Px),
          })),
        })),
    });
  });
}
