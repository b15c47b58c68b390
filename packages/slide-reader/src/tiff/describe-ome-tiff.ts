import type { AssociatedImageKind } from '../associated-image-kind.ts';
import { PathLensError } from '@pathlens/core';
import { isPlausibleMpp } from '../resolution-mpp.ts';
import type { TiffAssociatedImage, TiffLevel, TiffSlideLayout } from './describe-tiff-slide.ts';
import { parseOmeXml, type OmeImage } from './ome-xml.ts';
import type { TiffPage } from './read-tiff-pages.ts';
import { reducedCopyDownsample } from './reduced-copy.ts';

const associatedNames: Record<string, AssociatedImageKind> = {
  label: 'label',
  macro: 'macro',
  overview: 'macro',
  thumbnail: 'thumbnail',
};

/**
 * Sorts an OME-TIFF into levels and associated images.
 *
 * - The slide is the first OME `<Image>` that is not named label/macro/overview/thumbnail; its
 *   TIFF page is level 0 and the page's SubIFDs that are reduced copies of it are the other
 *   levels (the OME-TIFF pyramid convention since Bio-Formats 6).
 * - Images named label, macro (or overview) and thumbnail are associated images.
 * - MPP: `PhysicalSizeX/Y` in their units; objective: the referenced `NominalMagnification`.
 * Throws `corrupt_file` when the OME-XML cannot be parsed or names a page that is not there.
 */
export function describeOmeTiff(pages: TiffPage[], filePath: string): TiffSlideLayout {
  const description = pages[0]?.description ?? '';
  let images: OmeImage[];
  try {
    images = parseOmeXml(description);
  } catch (error) {
    throw new PathLensError(
      'corrupt_file',
      `${filePath} has an OME-XML description that cannot be parsed (${(error as Error).message}). Copy the slide again or re-export it.`,
      { path: filePath },
      { cause: error },
    );
  }
  const pageOf = (image: OmeImage): TiffPage => {
    const page = pages[image.ifd];
    if (!page) {
      throw new PathLensError(
        'corrupt_file',
        `${filePath}'s OME-XML places image "${image.name ?? ''}" on page ${image.ifd}, but the file has ${pages.length} pages.`,
        { path: filePath },
      );
    }
    return page;
  };

  const associatedName = (image: OmeImage) => associatedNames[(image.name ?? '').trim().toLowerCase()] ?? null;
  const main = images.find((image) => associatedName(image) === null);
  const basePage = main ? pageOf(main) : pages[0]!;
  const levels: TiffLevel[] = [
    { widthPx: basePage.widthPx, heightPx: basePage.heightPx, downsample: 1, page: basePage },
  ];
  for (const subPage of basePage.subPages) {
    const downsample = reducedCopyDownsample(basePage, subPage);
    if (downsample !== null && !levels.some((level) => Math.abs(level.downsample - downsample) < 0.01)) {
      levels.push({ widthPx: subPage.widthPx, heightPx: subPage.heightPx, downsample, page: subPage });
    }
  }
  levels.sort((first, second) => first.downsample - second.downsample);

  const associatedImages: TiffAssociatedImage[] = [];
  for (const image of images) {
    const name = associatedName(image);
    if (name && !associatedImages.some((existing) => existing.name === name))
      associatedImages.push({ name, page: pageOf(image) });
  }

  const mppX = isPlausibleMpp(main?.physicalSizeXUm) ? main.physicalSizeXUm : null;
  const mppY = isPlausibleMpp(main?.physicalSizeYUm) ? main.physicalSizeYUm : null;
  return {
    format: 'ome-tiff',
    vendor: null,
    levels,
    associatedImages,
    mppX,
    mppY,
    mppProvenance: mppX || mppY ? 'ome_physical_size' : null,
    objectivePower: main?.objectivePower ?? null,
  };
}
