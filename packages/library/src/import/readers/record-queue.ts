/**
 * An ordered hand-off from an event-driven parser to an async consumer, with backpressure:
 * `pause` is called when `highWaterMark` items wait, `resume` when the consumer has taken
 * half of them. Unlike a stream's own async iterator, items pushed before a parser error are
 * still delivered (a CSV with an unclosed quote at the end keeps every row before it).
 */
export class RecordQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  private paused = false;

  constructor(private readonly flow: { highWaterMark: number; pause(): void; resume(): void; close(): void }) {}

  push(item: T): void {
    this.items.push(item);
    this.signal();
    if (!this.paused && this.items.length >= this.flow.highWaterMark) {
      this.paused = true;
      this.flow.pause();
    }
  }

  end(): void {
    this.ended = true;
    this.signal();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (let next = 0; ;) {
        if (next < this.items.length) {
          const item = this.items[next]!;
          next += 1;
          // Compact now and then instead of shift()ing every item.
          if (next >= 1024) {
            this.items.splice(0, next);
            next = 0;
          }
          if (this.paused && this.items.length - next <= this.flow.highWaterMark / 2) {
            this.paused = false;
            this.flow.resume();
          }
          yield item;
        } else if (this.ended) {
          return;
        } else {
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      }
    } finally {
      this.flow.close();
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
