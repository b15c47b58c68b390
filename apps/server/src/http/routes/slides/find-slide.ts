import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import type { SlideRow, Store } from '@pathlens/store';

const slideIdParameter = z.string().uuid();

/** The slide with this id; `slide_not_found` (404) for an unknown or malformed id. */
export async function findSlide(store: Store, id: string): Promise<SlideRow> {
  const slide = slideIdParameter.safeParse(id).success ? await store.slides.findById(id) : undefined;
  if (!slide)
    throw new PathLensError('slide_not_found', `No slide with id ${id}. List slides with GET /v1/slides.`, {
      slideId: id,
    });
  return slide;
}
