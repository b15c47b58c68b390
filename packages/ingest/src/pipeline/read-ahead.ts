/**
 * Run a producer up to `capacity` items ahead of its consumer: while the consumer works on
 * one item (encodes a batch), the producer makes the next ones (reads patches). At most
 * `capacity` finished items wait, so memory stays bounded whatever the source's length.
 *
 * The producer is an async generator; it gets a signal that aborts when the consumer stops early (`break`, a throw);
 * it should then return soon. Leaving the consumer's loop waits for the producer to finish,
 * so what it uses can be closed right after. A producer's error surfaces at the consumer
 * after the items made before it.
 *
 * @example
 * for await (const batch of readAhead((stop) => readBatches(reader, stop), 2)) await encode(batch);
 */
export async function* readAhead<Item>(
  produce: (stop: AbortSignal) => AsyncGenerator<Item, void, undefined>,
  capacity: number,
): AsyncGenerator<Item, void, undefined> {
  if (!Number.isSafeInteger(capacity) || capacity < 1)
    throw new RangeError(`readAhead: capacity must be a positive integer, got ${capacity}`);
  const stop = new AbortController();
  const iterator = produce(stop.signal);
  // An async generator runs queued `next()` calls one after another: keeping `capacity` of them
  // queued keeps the producer working that far ahead, and no further.
  const pending: Promise<IteratorResult<Item>>[] = [];
  let finished = false;
  const request = () => {
    const next = iterator.next();
    next.catch(() => {}); // surfaced in order below; dropped if the consumer stopped
    pending.push(next);
  };
  try {
    while (pending.length < capacity) request();
    while (true) {
      const result = await pending.shift()!;
      if (result.done) {
        finished = true;
        return;
      }
      request();
      yield result.value;
    }
  } catch (error) {
    finished = true; // a failed async generator is closed
    throw error;
  } finally {
    if (!finished) {
      stop.abort();
      await Promise.allSettled(pending);
      await iterator.return();
    }
  }
}
