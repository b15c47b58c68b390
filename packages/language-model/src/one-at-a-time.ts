/**
 * A FIFO lock: one generation at a time per loaded model, the rest wait their turn in order,
 * so concurrent chats never run a model twice at once or load it twice.
 */
export class OneAtATime {
  private tail: Promise<void> = Promise.resolve();
  private waitingCount = 0;

  /** Requests holding or waiting for the lock. */
  get pending(): number {
    return this.waitingCount;
  }

  async acquire(): Promise<() => void> {
    this.waitingCount++;
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => turn);
    await previous;
    return () => {
      this.waitingCount--;
      release();
    };
  }
}
