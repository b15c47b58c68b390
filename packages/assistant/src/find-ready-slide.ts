import { PathLensError } from '@pathlens/core';
import type { SlideRow, Store } from '@pathlens/store';

/** The slide, ready to be asked about; `slide_not_found` (404) or `slide_not_ready` (409) otherwise. */
export async function findReadySlide(store: Store, slideId: string): Promise<SlideRow> {
  const slide = await store.slides.findById(slideId);
  if (!slide) throw new PathLensError('slide_not_found', `No slide with id ${slideId}. List slides with GET /v1/slides.`, { slideId, param: 'slide_id' });
  if (slide.status !== 'ready') {
    throw new PathLensError('slide_not_ready', `Slide ${slide.id} is ${slide.status}${slide.failureReason ? ` (${slide.failureReason})` : ''}; ask again when GET /v1/slides/${slide.id} says "ready".`, { slideId: slide.id, status: slide.status });
  }
  return slide;
}
