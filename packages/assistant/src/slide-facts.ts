import type { SlideRow } from '@pathlens/store';
import type { SlideFacts } from './evidence.ts';

const metadataValue = (metadata: Record<string, string>, keys: string[]): string | null => {
  for (const key of keys) {
    const match = Object.entries(metadata).find(([name, value]) => name.toLowerCase() === key && value.trim());
    if (match) return match[1].trim();
  }
  return null;
};

/** The slide's stored facts. Tissue area = patch count × patch area (level-0 px × MPP, squared). */
export function slideFacts(slide: SlideRow): SlideFacts {
  const patchSideMm = slide.mppX ? (slide.patchSizeLevel0Px * slide.mppX) / 1000 : null;
  return {
    name: slide.name,
    organ: metadataValue(slide.metadata, ['organ', 'site', 'tissue', 'body_site']),
    stain: metadataValue(slide.metadata, ['stain', 'staining']),
    widthPx: slide.widthPx,
    heightPx: slide.heightPx,
    mppX: slide.mppX,
    objectivePower: slide.objectivePower,
    patchCount: slide.patchCount,
    tissueAreaMm2: patchSideMm === null ? null : Math.round(slide.patchCount * patchSideMm * patchSideMm * 100) / 100,
  };
}
