import type { FileMppProvenance } from '../mpp-provenance.ts';
import { associatedImageKind, type AssociatedImageKind } from '../associated-image-kind.ts';
import type { SlideLevel } from '../slide-reader.ts';
import { mppFromResolution } from '../resolution-mpp.ts';
import { isAperioDescription, parseAperioDescription } from './aperio-description.ts';
import { describeOmeTiff } from './describe-ome-tiff.ts';
import { isOmeXml } from './ome-xml.ts';
import type { TiffPage } from './read-tiff-pages.ts';
import { reducedCopyDownsample } from './reduced-copy.ts';

/** A slide level and the TIFF page that stores it. */
export interface TiffLevel extends SlideLevel {
  page: TiffPage;
}

/** A named extra picture (thumbnail, label, macro) and its page. */
export interface TiffAssociatedImage {
  name: AssociatedImageKind;
  page: TiffPage;
}

/** How the pages of a TIFF make up a slide. */
export interface TiffSlideLayout {
  format: 'aperio-svs' | 'pyramidal-tiff' | 'tiff' | 'ome-tiff';
  vendor: 'aperio' | null;
  /** Largest first; `levels[0].page` is page 0. */
  levels: TiffLevel[];
  associatedImages: TiffAssociatedImage[];
  mppX: number | null;
  mppY: number | null;
  mppProvenance: FileMppProvenance | null;
  objectivePower: number | null;
}

const associatedNamePattern = /\b(label|macro|thumbnail|overview)\b/i;

/**
 * Sorts TIFF pages into pyramid levels and associated images.
 *
 * - Level: a page whose size is page 0's divided by one factor (±1.5 px per side), stored the
 *   same way as page 0 (tiled or stripped) or flagged reduced-resolution (NewSubfileType bit 0).
 * - Aperio (IFD0 description starts "Aperio"): levels must be tiled (as OpenSlide requires);
 *   an untiled page 1 is the thumbnail (it is a reduced copy too, so size alone can't tell);
 *   a second description line starting "label" / "macro" names those.
 * - Other TIFFs: a page whose description contains label/macro/thumbnail/overview is that
 *   associated image; other unrelated pages are ignored.
 * - OME-TIFF (OME-XML in page 0's description): see describe-ome-tiff.ts.
 * MPP: Aperio `MPP`; otherwise page 0's X/YResolution when plausible (see resolution-mpp.ts).
 */
export function describeTiffSlide(pages: TiffPage[], filePath = 'the TIFF'): TiffSlideLayout {
  const [firstPage, ...otherPages] = pages;
  if (!firstPage) throw new Error('describeTiffSlide needs at least one page');
  if (isOmeXml(firstPage.description)) return describeOmeTiff(pages, filePath);
  const aperio = isAperioDescription(firstPage.description);
  const levels: TiffLevel[] = [
    { widthPx: firstPage.widthPx, heightPx: firstPage.heightPx, downsample: 1, page: firstPage },
  ];
  const associatedImages: TiffAssociatedImage[] = [];
  const addAssociated = (name: AssociatedImageKind, page: TiffPage) => {
    if (!associatedImages.some((image) => image.name === name)) associatedImages.push({ name, page });
  };

  for (const page of otherPages) {
    const name = associatedName(page, aperio);
    if (name) {
      addAssociated(name, page);
      continue;
    }
    const downsample = reducedCopyDownsample(firstPage, page);
    const tiled = page.tileWidthPx !== null;
    const storedLikeLevels = aperio
      ? tiled
      : tiled === (firstPage.tileWidthPx !== null) || (page.newSubfileType & 1) === 1;
    if (downsample !== null && storedLikeLevels) {
      if (!levels.some((level) => Math.abs(level.downsample - downsample) < 0.01)) {
        levels.push({ widthPx: page.widthPx, heightPx: page.heightPx, downsample, page });
      }
    } else if (aperio && page.index === 1 && !tiled) {
      addAssociated('thumbnail', page);
    }
  }
  levels.sort((first, second) => first.downsample - second.downsample);

  const layout = { levels, associatedImages, ...resolutionOf(firstPage, aperio) };
  if (aperio) return { format: 'aperio-svs', vendor: 'aperio', ...layout };
  return { format: levels.length > 1 ? 'pyramidal-tiff' : 'tiff', vendor: null, ...layout };
}

function associatedName(page: TiffPage, aperio: boolean): AssociatedImageKind | null {
  if (!page.description) return null;
  if (aperio) {
    if (!isAperioDescription(page.description)) return null;
    const word = parseAperioDescription(page.description).secondLineWord;
    return word === 'label' || word === 'macro' ? word : null;
  }
  const match = associatedNamePattern.exec(page.description);
  return match?.[1] ? associatedImageKind(match[1]) : null;
}

function resolutionOf(
  firstPage: TiffPage,
  aperio: boolean,
): Pick<TiffSlideLayout, 'mppX' | 'mppY' | 'mppProvenance' | 'objectivePower'> {
  if (aperio && firstPage.description) {
    const { mpp, objectivePower } = parseAperioDescription(firstPage.description);
    return { mppX: mpp, mppY: mpp, mppProvenance: mpp ? 'scanner_metadata' : null, objectivePower };
  }
  const resolution = firstPage.resolution;
  const mppX = resolution ? mppFromResolution(resolution.x, resolution.unit) : null;
  const mppY = resolution ? mppFromResolution(resolution.y, resolution.unit) : null;
  return { mppX, mppY, mppProvenance: mppX || mppY ? 'tiff_resolution' : null, objectivePower: null };
}
