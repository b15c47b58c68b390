/**
 * Wait for a stream's first item, then give the whole stream back. The chat route waits for
 * the first token (or the model's turn in the queue) before it sends headers, so a failure
 * before any text — an upstream that is unreachable or busy, a model error — is a real HTTP
 * error status, not an error chunk inside a 200 stream.
 */
export async function awaitFirstEvent<T>(stream: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  return (async function* replay() {
    try {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  })();
}
