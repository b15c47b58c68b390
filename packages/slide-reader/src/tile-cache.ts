import type { RgbImage } from './slide-reader.ts';

/** Decoded tiles kept per open slide by default (a row of 256² tiles across a 100k-px level is ~75 MB). */
export const defaultTileCacheBytes = 96 * 1024 * 1024;

/**
 * Decoded frames, least recently used evicted first, bounded in bytes. Ingestion reads patches
 * in raster order and a frame is usually larger than a patch, so neighbouring reads reuse
 * decoded frames instead of decoding the same JPEG again. Concurrent requests for one frame
 * share one decode.
 */
export class TileCache {
  readonly capacityBytes: number;
  #entries = new Map<string, { image: Promise<RgbImage>; sizeBytes: number }>();
  #sizeBytes = 0;

  constructor(capacityBytes: number) {
    this.capacityBytes = capacityBytes;
  }

  get(key: string, decode: () => Promise<RgbImage>): Promise<RgbImage> {
    const cached = this.#entries.get(key);
    if (cached) {
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached.image;
    }
    const entry = { image: decode(), sizeBytes: 0 };
    this.#entries.set(key, entry);
    entry.image.then(
      (image) => {
        if (this.#entries.get(key) !== entry) return;
        entry.sizeBytes = image.data.length;
        this.#sizeBytes += entry.sizeBytes;
        this.#evict();
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return entry.image;
  }

  clear(): void {
    this.#entries.clear();
    this.#sizeBytes = 0;
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#sizeBytes <= this.capacityBytes) return;
      if (entry.sizeBytes === 0) continue; // still decoding
      this.#entries.delete(key);
      this.#sizeBytes -= entry.sizeBytes;
    }
  }
}
