import type { EvidenceItem, RegionLevel0 } from '../api/api-types.ts';

/** A square of a slide: top-left corner and side, level-0 pixels. */
export const squareRegion = (
  slideId: string,
  xLevel0: number,
  yLevel0: number,
  sizeLevel0Px: number,
): RegionLevel0 => ({
  slideId,
  xLevel0,
  yLevel0,
  widthLevel0Px: sizeLevel0Px,
  heightLevel0Px: sizeLevel0Px,
});

/** The level-0 rectangle an evidence item stands for, or null (facts, findings, captions, other slides). */
export function evidenceRegion(item: EvidenceItem): RegionLevel0 | null {
  if (item.kind === 'patch') return squareRegion(item.slideId, item.xLevel0, item.yLevel0, item.sizeLevel0Px);
  if (item.kind === 'prototype' && item.xLevel0 !== null && item.yLevel0 !== null && item.sizeLevel0Px !== null) {
    return squareRegion(item.slideId, item.xLevel0, item.yLevel0, item.sizeLevel0Px);
  }
  return null;
}

const kindNames: Record<EvidenceItem['kind'], string> = {
  'slide-facts': 'slide facts',
  finding: 'zero-shot finding',
  patch: 'slide region',
  prototype: 'characteristic region (prototype)',
  'similar-slide': 'similar slide',
  pair: 'library caption',
  image: 'picture sent with the question',
};

/** Where an evidence item comes from, in words. */
export const evidenceSource = (item: EvidenceItem) => kindNames[item.kind];

/** One line about an evidence item, for the evidence list. */
export function evidenceSummary(item: EvidenceItem): string {
  switch (item.kind) {
    case 'slide-facts':
      return `${item.name}: ${item.widthPx.toLocaleString('en')} × ${item.heightPx.toLocaleString('en')} px${item.mppX ? `, ${item.mppX.toFixed(3)} µm/px` : ''}, ${item.patchCount} patches`;
    case 'finding':
      return `${item.labelSetName}: ${item.label} (probability ${(item.probability * 100).toFixed(0)} %)`;
    case 'patch':
      return `level-0 (${item.xLevel0.toLocaleString('en')}, ${item.yLevel0.toLocaleString('en')}), ${item.sizeUm !== null ? `${item.sizeUm.toFixed(0)} µm` : `${item.sizeLevel0Px} px`} wide${item.captions[0] ? `; near caption “${item.captions[0].caption}”` : ''}`;
    case 'prototype':
      return `region type ${item.clusterIndex + 1}, ${(item.weight * 100).toFixed(0)} % of the tissue${item.captions[0] ? `; near caption “${item.captions[0].caption}”` : ''}`;
    case 'similar-slide':
      return `${item.name}${item.report ? `: ${item.report.summary}` : ' (no report stored)'}`;
    case 'pair':
      return `“${item.caption}”${item.source ? ` (${item.source})` : ''}`;
    case 'image':
      return `picture ${item.imageNumber} (${item.fileName})${item.captions[0] ? `; near caption “${item.captions[0].caption}”` : ''}`;
  }
}
