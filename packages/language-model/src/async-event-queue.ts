/**
 * Bridges a push-style producer (a streamer callback) to an async iterator. Unbounded:
 * the producer is a token generator, far slower than any consumer.
 */
export class AsyncEventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | null = null;
  private closed = false;
  private failure: unknown = null;

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wake?.();
  }

  /** No more items; with `failure`, the iterator throws it after the queued items. */
  close(failure: unknown = null): void {
    this.closed = true;
    this.failure = failure;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.items.length > 0) {
        yield this.items.shift()!;
      } else if (this.closed) {
        if (this.failure) throw this.failure;
        return;
      } else {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
      }
    }
  }
}
