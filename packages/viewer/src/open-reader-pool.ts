import { fileSlideOpener, type SlideOpener, type SlideReader, type SlideSourceRecord } from '@pathlens/slide-reader';

interface PooledReader {
  reader: Promise<SlideReader>;
  users: number;
  lastUsedMs: number;
}

/**
 * Keeps the most recently used slides open between viewer requests (opening a slide reads its
 * tags and checks every level, tens of milliseconds), at most `capacity` of them; a reader in
 * use is never closed under its user.
 */
export class OpenReaderPool {
  readonly #readers = new Map<string, PooledReader>();
  #closed = false;

  constructor(
    private readonly capacity = 8,
    private readonly openSlide: SlideOpener = fileSlideOpener,
  ) {}

  /** Run `use` with an open reader for the slide (a file, or a series on a DICOMweb server). */
  async with<T>(slide: SlideSourceRecord, use: (reader: SlideReader) => Promise<T>): Promise<T> {
    const { filePath } = slide;
    if (this.#closed) throw new Error('OpenReaderPool is closed');
    let entry = this.#readers.get(filePath);
    if (!entry) {
      entry = { reader: this.openSlide(slide), users: 0, lastUsedMs: 0 };
      this.#readers.set(filePath, entry);
      // A file that fails to open is not kept: the next request tries again.
      entry.reader.catch(() => this.#readers.delete(filePath));
    }
    entry.users++;
    entry.lastUsedMs = Date.now();
    try {
      return await use(await entry.reader);
    } finally {
      entry.users--;
      await this.#evict();
    }
  }

  /** Close the file's reader once its current users are done (the file is being deleted). */
  async forget(filePath: string): Promise<void> {
    const entry = this.#readers.get(filePath);
    if (!entry) return;
    this.#readers.delete(filePath);
    while (entry.users > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await (await entry.reader.catch(() => null))?.close();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#readers.values()];
    this.#readers.clear();
    await Promise.all(entries.map(async (entry) => (await entry.reader.catch(() => null))?.close()));
  }

  async #evict(): Promise<void> {
    if (this.#readers.size <= this.capacity) return;
    const idle = [...this.#readers.entries()]
      .filter(([, entry]) => entry.users === 0)
      .sort(([, left], [, right]) => left.lastUsedMs - right.lastUsedMs);
    for (const [filePath, entry] of idle.slice(0, this.#readers.size - this.capacity)) {
      this.#readers.delete(filePath);
      await (await entry.reader.catch(() => null))?.close();
    }
  }
}
