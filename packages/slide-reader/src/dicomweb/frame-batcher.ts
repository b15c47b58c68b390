import type { DicomWebClient } from './dicomweb-client.ts';

/** Frames asked for in one WADO-RS request at most. */
const maxFramesPerRequest = 32;

/**
 * Gathers the frame reads of one instance made in the same turn of the event loop (a region
 * or a thumbnail asks for all the frames under it at once) into `/frames/a,b,c` requests, so a
 * level is fetched in a few round trips rather than one per frame.
 */
export class FrameBatcher {
  readonly #client: DicomWebClient;
  readonly #instancePath: string;
  #waiting = new Map<number, Array<{ resolve: (bytes: Buffer) => void; reject: (error: unknown) => void }>>();
  #scheduled = false;

  constructor(client: DicomWebClient, instancePath: string) {
    this.#client = client;
    this.#instancePath = instancePath;
  }

  /** Frame `frame` (0-based) as stored. */
  read(frame: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(frame) ?? [];
      waiters.push({ resolve, reject });
      this.#waiting.set(frame, waiters);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const waiting = this.#waiting;
    this.#waiting = new Map();
    this.#scheduled = false;
    const frames = [...waiting.keys()].sort((first, second) => first - second);
    for (let start = 0; start < frames.length; start += maxFramesPerRequest) {
      const batch = frames.slice(start, start + maxFramesPerRequest);
      this.#client
        .frames(
          this.#instancePath,
          batch.map((frame) => frame + 1),
        )
        .then(
          (fetched) =>
            batch.forEach((frame, index) =>
              waiting.get(frame)!.forEach((waiter) => waiter.resolve(fetched[index]!.bytes)),
            ),
          (error: unknown) => batch.forEach((frame) => waiting.get(frame)!.forEach((waiter) => waiter.reject(error))),
        );
    }
  }
}
