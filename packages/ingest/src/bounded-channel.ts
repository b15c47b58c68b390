/**
 * A queue with a fixed capacity between one producer and one consumer: `send` waits while
 * it is full, so a fast reader can run at most `capacity` batches ahead of the encoder and
 * memory stays bounded whatever the slide size.
 */
export class BoundedChannel<T> {
  private readonly items: T[] = [];
  private closed = false;
  private notifyConsumer: (() => void) | null = null;
  private notifyProducer: (() => void) | null = null;

  constructor(private readonly capacity: number) {}

  async send(item: T): Promise<void> {
    while (this.items.length >= this.capacity) await new Promise<void>((resolve) => (this.notifyProducer = resolve));
    this.items.push(item);
    this.notifyConsumer?.();
  }

  close(): void {
    this.closed = true;
    this.notifyConsumer?.();
  }

  /** The next item, or `undefined` once closed and drained. */
  async receive(): Promise<T | undefined> {
    while (this.items.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.notifyConsumer = resolve));
    }
    const item = this.items.shift();
    this.notifyProducer?.();
    return item;
  }
}
