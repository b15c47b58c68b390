import type { SlideReader } from '@pathlens/slide-reader';
import type { SlideRow } from '@pathlens/store';
import type { TissueDetectionSettings } from './tissue-detection-settings.ts';
import { loadTissueMask, saveTissueMask } from './tissue-mask-files.ts';
import { detectTissue, type TissueMask } from './tissue-mask.ts';

/** µm per level-0 pixel to measure tissue areas with; null when the slide has none (tiled at level 0 by choice). */
export function slideMppLevel0(slide: Pick<SlideRow, 'mppX' | 'mppY'>): number | null {
  const { mppX, mppY } = slide;
  if (mppX && mppY) return (mppX + mppY) / 2;
  return mppX ?? mppY ?? null;
}

/**
 * A slide's tissue mask: the one stored under `dataDir` when there is one (a resumed
 * ingestion, the viewer), else detected now and stored (atomically) when `dataDir` is given.
 */
export async function slideTissueMask(
  reader: SlideReader,
  slide: Pick<SlideRow, 'id' | 'mppX' | 'mppY'>,
  options: { dataDir?: string | undefined; settings?: Partial<TissueDetectionSettings> | undefined },
): Promise<TissueMask> {
  const level0 = reader.properties.levels[0]!;
  if (options.dataDir) {
    const stored = await loadTissueMask(options.dataDir, slide.id, level0);
    if (stored) return stored;
  }
  const { mask } = await detectTissue(reader, { mppLevel0: slideMppLevel0(slide), settings: options.settings });
  if (options.dataDir) await saveTissueMask(options.dataDir, slide.id, mask);
  return mask;
}
