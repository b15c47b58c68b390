/**
 * `map` over `items` with up to `concurrency` calls in flight, yielding results in input
 * order. Reading patches this way overlaps libvips decodes (which run on libuv's thread
 * pool) with each other and with the consumer's work, while memory stays bounded: at most
 * `concurrency` results wait. The consumer may stop early (`break`, a throw): no call is
 * started after that, and leaving the loop waits for the calls in flight to settle (their
 * results and errors are dropped), so whatever they use (an open slide) can be closed
 * right after the loop.
 *
 * @example
 * for await (const image of mapInOrder(cells, 4, (cell) => readPatch(reader, cell, plan, 224))) batch.push(image);
 */
export async function* mapInOrder<Item, Result>(
  items: Iterable<Item>,
  concurrency: number,
  map: (item: Item, index: number) => Promise<Result>,
): AsyncGenerator<Result, void, undefined> {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new RangeError(`mapInOrder: concurrency must be a positive integer, got ${concurrency}`);
  const iterator = items[Symbol.iterator]();
  const inFlight: Promise<Result>[] = [];
  let nextIndex = 0;
  const fill = () => {
    while (inFlight.length < concurrency) {
      const next = iterator.next();
      if (next.done) return;
      const pending = map(next.value, nextIndex++);
      pending.catch(() => {}); // surfaced when its turn comes; dropped if the consumer stopped
      inFlight.push(pending);
    }
  };
  try {
    fill();
    while (inFlight.length > 0) {
      const result = await inFlight.shift()!;
      fill(); // start the next read before handing this result over
      yield result;
    }
  } finally {
    await Promise.allSettled(inFlight); // empty unless the consumer stopped early or a call failed
  }
}
