import { PathLensError } from '@pathlens/core';
import { associatedImageKind, type AssociatedImageKind } from '../associated-image-kind.ts';
import { isPlausibleMpp } from '../resolution-mpp.ts';
import type { SlideFormat, SlideProperties } from '../slide-reader.ts';
import { checkDeclaredSize, type SlideSizeLimits } from '../slide-size-limits.ts';
import { loadOpenSlide, openSlideInstallHint } from './openslide-library.ts';
import { OpenSlideSlideReader } from './openslide-slide-reader.ts';

/** Formats routed to OpenSlide, with the names people know them by (for messages). */
export const openSlideFormatNames = {
  'aperio-svs': 'Aperio SVS with JPEG 2000 tiles',
  'hamamatsu-ndpi': 'Hamamatsu NDPI',
  'hamamatsu-vms': 'Hamamatsu VMS',
  mirax: 'MIRAX',
  'leica-scn': 'Leica SCN',
  'ventana-bif': 'Ventana BIF',
  'philips-tiff': 'Philips TIFF',
  'pyramidal-tiff': 'generic tiled TIFF',
} as const satisfies Partial<Record<SlideFormat, string>>;

export type OpenSlideFormat = keyof typeof openSlideFormatNames;

/** What to open: the path OpenSlide takes (the `.mrxs` for MIRAX) and every file of the slide. */
export interface OpenSlideTarget {
  format: OpenSlideFormat | null;
  openPath: string;
  files: string[];
}

const formatByVendor: Record<string, OpenSlideFormat> = {
  aperio: 'aperio-svs',
  mirax: 'mirax',
  leica: 'leica-scn',
  ventana: 'ventana-bif',
  philips: 'philips-tiff',
  'generic-tiff': 'pyramidal-tiff',
};

/** Canonical order for associated image names, so every reader lists them alike. */
const associatedOrder = ['thumbnail', 'label', 'macro'];

/**
 * Opens a slide with OpenSlide. `target.format` is what content detection found (null: take it
 * from OpenSlide's vendor). Throws `unsupported_format` saying what to install when the library
 * is missing, `unsupported_format` when OpenSlide does not recognise the file, `corrupt_file`
 * when it recognises but cannot read it, `slide_too_large` past the declared-size limit.
 */
export async function openOpenSlideSlide(
  target: OpenSlideTarget,
  limits: SlideSizeLimits,
  libraryName?: string | null,
): Promise<OpenSlideSlideReader> {
  const what = target.format ? openSlideFormatNames[target.format] : 'slide';
  const library = loadOpenSlide(libraryName);
  if (!library) {
    throw new PathLensError(
      'unsupported_format',
      `${target.openPath} is in ${what} format, which PathLens reads through OpenSlide, and the OpenSlide library (libopenslide.so.0) is not installed. ${openSlideInstallHint}`,
      { path: target.openPath, format: target.format, needs: 'libopenslide0' },
    );
  }
  const handle = library.open(target.openPath);
  if (!handle) {
    throw new PathLensError(
      'unsupported_format',
      `OpenSlide ${library.version} does not recognise ${target.openPath} (${what}). Check that the file is complete (for MIRAX, the .mrxs and its folder together).`,
      { path: target.openPath, format: target.format },
    );
  }
  const openError = library.getError(handle);
  if (openError) {
    library.close(handle);
    throw new PathLensError(
      'corrupt_file',
      `OpenSlide cannot read ${target.openPath}: ${openError}. The file may be damaged or incomplete; copy it again from its source.`,
      { path: target.openPath, format: target.format },
    );
  }

  try {
    const property = (name: string) => library.propertyValue(handle, name);
    const vendor = property('openslide.vendor');
    const format = target.format ?? (vendor ? formatByVendor[vendor] : undefined);
    if (!format) {
      throw new PathLensError(
        'unsupported_format',
        `${target.openPath} is a ${vendor ?? 'unknown'} slide, a kind PathLens does not take yet. Convert it to a pyramidal TIFF.`,
        {
          path: target.openPath,
          vendor,
        },
      );
    }
    const levels = Array.from({ length: library.levelCount(handle) }, (_, level) => {
      const { widthPx, heightPx } = library.levelDimensions(handle, level);
      checkDeclaredSize(target.openPath, widthPx, heightPx, limits, `level ${level}`);
      return { widthPx, heightPx, downsample: level === 0 ? 1 : library.levelDownsample(handle, level) };
    });
    if (levels.length === 0 || levels[0]!.widthPx <= 0 || levels[0]!.heightPx <= 0) {
      throw new PathLensError(
        'corrupt_file',
        `OpenSlide finds no image in ${target.openPath}. Copy the slide again from its source.`,
        { path: target.openPath },
      );
    }
    const mppX = Number(property('openslide.mpp-x'));
    const mppY = Number(property('openslide.mpp-y'));
    const objectivePower = Number(property('openslide.objective-power'));
    const associatedImages = library
      .associatedImageNames(handle)
      .filter((name): name is AssociatedImageKind => associatedImageKind(name) === name)
      .sort((first, second) => rank(first) - rank(second) || first.localeCompare(second));
    const properties: SlideProperties = {
      format,
      reader: 'openslide',
      files: target.files,
      vendor,
      levels,
      mppX: isPlausibleMpp(mppX) ? mppX : null,
      mppY: isPlausibleMpp(mppY) ? mppY : null,
      mppProvenance: isPlausibleMpp(mppX) || isPlausibleMpp(mppY) ? 'scanner_metadata' : null,
      objectivePower: Number.isFinite(objectivePower) && objectivePower > 0 ? objectivePower : null,
      associatedImages,
    };
    const reader = new OpenSlideSlideReader({
      properties,
      library,
      handle,
      filePath: target.openPath,
      maxDecodedPixels: limits.maxDecodedPixels,
    });
    // Decode a pixel of every level now, so a file OpenSlide cannot decode fails at open, not mid-ingest.
    for (let level = 0; level < levels.length; level++)
      await reader.readRegion({ level, xLevel0: 0, yLevel0: 0, widthPx: 1, heightPx: 1 });
    return reader;
  } catch (error) {
    library.close(handle);
    throw error;
  }
}

function rank(name: string): number {
  const index = associatedOrder.indexOf(name);
  return index < 0 ? associatedOrder.length : index;
}
