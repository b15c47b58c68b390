import path from 'node:path';
import type { Store, SlideRow } from '@pathlens/store';
import { openSlide } from '@pathlens/slide-reader';
import { fileSha256 } from './file-sha256.ts';

export interface RegisteredSlide {
  slide: SlideRow;
  /** False when the same file (by content hash) was already there: nothing new is queued. */
  created: boolean;
}

/**
 * Check that a file opens as a slide and record it as `queued`. An unreadable file fails
 * here, before any row exists. Registering the same bytes again returns the existing slide;
 * `force` requeues it (stored patches are reused).
 */
export async function registerSlide(
  store: Store,
  options: {
    filePath: string;
    name?: string | undefined;
    encoderId: string;
    patchSizeLevel0Px: number;
    force?: boolean | undefined;
    /** When the caller already hashed the bytes (an upload). */
    contentSha256?: string | undefined;
  },
): Promise<RegisteredSlide> {
  // Open first: a file that is not a slide is refused before gigabytes are hashed.
  const reader = await openSlide(options.filePath);
  try {
    const contentSha256 = options.contentSha256 ?? (await fileSha256(options.filePath));
    const existing = await store.slides.findByContentSha256(contentSha256);
    if (existing) {
      if (options.force && (existing.status === 'failed' || existing.status === 'ready')) {
        await store.slides.requeue(existing.id);
        return { slide: (await store.slides.findById(existing.id))!, created: true };
      }
      return { slide: existing, created: false };
    }
    const { properties } = reader;
    const level0 = properties.levels[0]!;
    const slide = await store.slides.create({
      name: options.name ?? path.basename(options.filePath),
      filePath: options.filePath,
      contentSha256,
      format: properties.format,
      vendor: properties.vendor,
      widthPx: level0.widthPx,
      heightPx: level0.heightPx,
      mppX: properties.mppX,
      mppY: properties.mppY,
      objectivePower: properties.objectivePower,
      patchSizeLevel0Px: options.patchSizeLevel0Px,
      encoderId: options.encoderId,
    });
    return { slide, created: true };
  } finally {
    await reader.close();
  }
}
