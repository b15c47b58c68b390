import { it } from 'vitest';
import { loadOpenSlide } from '../../packages/slide-reader/src/openslide/openslide-library.ts';

/** Whether OpenSlide (Debian's libopenslide0) loads on this machine; tests that need it skip otherwise. */
export const openSlideAvailable = loadOpenSlide() !== null;

/** Registers a visibly skipped test naming what was not run and why, when OpenSlide is missing. */
export function skipWithoutOpenSlide(what: string): void {
  if (openSlideAvailable) return;
  console.info(`[skip] ${what}: libopenslide.so.0 cannot be loaded (apt-get install libopenslide0)`);
  it.skip(`${what} (needs libopenslide0)`, () => {});
}
