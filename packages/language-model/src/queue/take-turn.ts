import type { GenerationRequest } from '../language-model.ts';
import type { GenerationQueue, QueuePlace } from './generation-queue.ts';

/**
 * The request's place in `queue` (joining when it brought none), once its turn has come;
 * `null` when the request was cancelled while it waited (the place has then been left).
 */
export async function takeTurn(queue: GenerationQueue, request: GenerationRequest): Promise<QueuePlace | null> {
  const place = request.place ?? queue.join(request.signal);
  try {
    await place.ready;
  } catch (error) {
    place.leave();
    if (request.signal?.aborted) return null;
    throw error;
  }
  if (request.signal?.aborted) {
    place.leave();
    return null;
  }
  return place;
}
