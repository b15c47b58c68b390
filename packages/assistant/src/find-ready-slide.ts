import { PathLensError } from '@pathlens/core';
import type { SlideRow, Store } from '@pathlens/store';

/** The slide, ready to be asked about; `slide_not_found` (404) or `slide_not_ready` (409) otherwise. */
export async function findReadySlide(store: Store, slideId: string): Promise<SlideRow> {
  const slide = await store.slides.findById(slideId);
  if (!slide)
    throw new PathLensError('slide_not_found', `No slide with id ${slideId}. List slides with GET /v1/slides.`, {
      slideId,
      param: 'slide_id',
    });
  if (slide.status === 'failed') {
    // Waiting will not help: say why it failed and how to ingest it again.
    throw new PathLensError(
      'slide_not_ready',
      `Slide ${slide.id} failed to ingest${slide.failureReason ? ` (${slide.failureReason})` : ''}, so there is nothing to answer from. ` +
        `Re-ingest it with the right options: POST /v1/slides/${slide.id}/reingest (e.g. {"mpp": 0.25}) or \`pathlens reingest ${slide.id} --mpp 0.25\`.`,
      { slideId: slide.id, status: slide.status },
    );
  }
  if (slide.status !== 'ready') {
    throw new PathLensError(
      'slide_not_ready',
      `Slide ${slide.id} is ${slide.status}; ask again when GET /v1/slides/${slide.id} says "ready".`,
      { slideId: slide.id, status: slide.status },
    );
  }
  return slide;
}
