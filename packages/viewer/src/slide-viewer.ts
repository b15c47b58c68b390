import { readFile } from 'node:fs/promises';
import { PathLensError } from '@pathlens/core';
import { slideTissueMask, tissueGeoJsonPath, type TissueDetectionSettings } from '@pathlens/ingest';
import type { SlideOpener } from '@pathlens/slide-reader';
import { associatedImageKind, associatedImageKinds, type AssociatedImageKind } from '@pathlens/slide-reader';
import type { SlideRow } from '@pathlens/store';
import { deepZoomDescriptor, deepZoomGeometry } from './deep-zoom-geometry.ts';
import { DeepZoomTileCache } from './deep-zoom-tiles.ts';
import { encodeJpeg } from './render-region.ts';
import { OpenReaderPool } from './open-reader-pool.ts';
import { thumbnailSize, tissueOverlayPng } from './tissue-overlay.ts';

export interface SlideViewerOptions {
  /** DATA_DIR: tiles and tissue masks are kept under `slides/<id>/` there. */
  dataDir: string;
  /** SERVE_LABEL_IMAGE: every associated image may be served, the label included. */
  serveLabelImage: boolean;
  /** ASSOCIATED_IMAGES: kinds served besides the thumbnail while SERVE_LABEL_IMAGE is off. */
  associatedImages?: AssociatedImageKind[] | undefined;
  tissueDetection?: Partial<TissueDetectionSettings> | undefined;
  /** Opens slides from files and DICOMweb servers; files only when absent. */
  openSlide?: SlideOpener | undefined;
}

/**
 * The associated images served: by allowlist, in the shared vocabulary. Only the thumbnail
 * (and ASSOCIATED_IMAGES' kinds) unless SERVE_LABEL_IMAGE=true, since label, macro and overview
 * pictures can show the label and its patient identity.
 */
export function servedAssociatedImages(
  options: Pick<SlideViewerOptions, 'serveLabelImage' | 'associatedImages'>,
): Set<AssociatedImageKind> {
  return new Set(options.serveLabelImage ? associatedImageKinds : ['thumbnail', ...(options.associatedImages ?? [])]);
}

/** The slide row fields the viewer needs. */
export type ViewedSlide = Pick<SlideRow, 'id' | 'source' | 'filePath' | 'widthPx' | 'heightPx' | 'mppX' | 'mppY'>;

/**
 * Pictures of slides for the web viewer: Deep Zoom descriptor and tiles (cached on disk),
 * thumbnails, the tissue mask as an overlay PNG and as QuPath GeoJSON, associated images
 * (never the label unless allowed). Works on any registered slide, ingested or not.
 *
 * @example
 * const viewer = new SlideViewer({ dataDir: './data', serveLabelImage: false });
 * const jpeg = await viewer.deepZoomTile(slide, { level: 12, column: 3, row: 1 });
 */
export class SlideViewer {
  readonly #readers: OpenReaderPool;
  readonly #tiles: DeepZoomTileCache;

  constructor(private readonly options: SlideViewerOptions) {
    this.#tiles = new DeepZoomTileCache(options.dataDir);
    this.#readers = new OpenReaderPool(8, options.openSlide);
  }

  deepZoomDescriptor(slide: ViewedSlide): string {
    return deepZoomDescriptor(deepZoomGeometry(slide.widthPx, slide.heightPx));
  }

  /** One JPEG tile; `invalid_request` for a level or tile outside the slide. */
  deepZoomTile(slide: ViewedSlide, tile: { level: number; column: number; row: number }): Promise<Buffer> {
    return this.#tiles.tile(slide.id, deepZoomGeometry(slide.widthPx, slide.heightPx), tile, (use) =>
      this.#readers.with(slide, use),
    );
  }

  /** The whole slide as a JPEG fitting `maxSizePx` on its long side. */
  thumbnailJpeg(slide: ViewedSlide, maxSizePx: number): Promise<Buffer> {
    return this.#readers.with(slide, async (reader) => encodeJpeg(await reader.readThumbnail(maxSizePx), 85));
  }

  /** The tissue mask as a transparent PNG the size of `thumbnailJpeg(slide, maxSizePx)`; detected (and kept) if not
   * there yet.
   */
  async tissueOverlayPng(slide: ViewedSlide, maxSizePx: number): Promise<Buffer> {
    const mask = await this.#tissueMask(slide);
    const size = thumbnailSize({ widthPx: slide.widthPx, heightPx: slide.heightPx }, maxSizePx);
    return tissueOverlayPng(mask, size.widthPx, size.heightPx);
  }

  /** Tissue outlines in level-0 pixels, a QuPath-compatible GeoJSON FeatureCollection (text). */
  async tissueGeoJson(slide: ViewedSlide): Promise<string> {
    const filePath = tissueGeoJsonPath(this.options.dataDir, slide.id);
    const stored = await readFile(filePath, 'utf8').catch(() => null);
    if (stored) return stored;
    await this.#tissueMask(slide); // detects and writes both files
    return readFile(filePath, 'utf8');
  }

  /** An associated image as JPEG; `label_image_disabled` for a kind not served (see `servedAssociatedImages`). */
  async associatedImageJpeg(slide: ViewedSlide, name: string): Promise<Buffer> {
    const kind = associatedImageKind(name);
    if (kind === null || kind !== name) {
      throw new PathLensError(
        'not_found',
        `No associated image "${name.slice(0, 40)}": the kinds are ${associatedImageKinds.join(', ')}.`,
        { param: 'name' },
      );
    }
    if (!servedAssociatedImages(this.options).has(kind)) {
      throw new PathLensError(
        'label_image_disabled',
        `The "${kind}" image is not served: only the thumbnail is, since label, macro and overview pictures can show patient identity. An administrator can allow more with ASSOCIATED_IMAGES, or all with SERVE_LABEL_IMAGE=true.`,
        { name: kind },
      );
    }
    return this.#readers.with(slide, async (reader) => encodeJpeg(await reader.readAssociatedImage(name), 90));
  }

  /** Let go of a slide's open file (before it is deleted). */
  forget(slide: Pick<ViewedSlide, 'filePath'>): Promise<void> {
    return this.#readers.forget(slide.filePath);
  }

  close(): Promise<void> {
    return this.#readers.close();
  }

  #tissueMask(slide: ViewedSlide) {
    return this.#readers.with(slide, (reader) =>
      slideTissueMask(reader, slide, { dataDir: this.options.dataDir, settings: this.options.tissueDetection }),
    );
  }
}
