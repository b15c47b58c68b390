import type { LanguageModel, QueuePlace } from '@pathlens/language-model';

/**
 * Wait for a turn of the model and keep it across several generations (a report's attempts
 * are one request): `forGeneration` is the place to pass to each `generate`, which cannot
 * end the turn; `release` ends it. Null when the signal aborted while waiting.
 */
export async function holdTurn(
  languageModel: LanguageModel,
  place: QueuePlace | undefined,
  signal: AbortSignal | undefined,
): Promise<{ forGeneration: QueuePlace; release: () => void } | null> {
  const held = place ?? languageModel.queue.join(signal);
  try {
    await held.ready;
  } catch (error) {
    held.leave();
    if (signal?.aborted) return null;
    throw error;
  }
  return { forGeneration: { ready: Promise.resolve(), leave: () => {} }, release: () => held.leave() };
}
