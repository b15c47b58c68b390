import { createHash } from 'node:crypto';
import { checkDicomUid, dicomWebLocation, type SlideOpener } from '@pathlens/slide-reader';
import type { Store } from '@pathlens/store';
import { slideTilingColumns, type RegisteredSlide } from './register-slide.ts';
import { tilingResolution } from './tiling/tiling-resolution.ts';

export interface RegisterDicomWebSeriesOptions {
  /** The server's name in DICOMWEB_ENDPOINTS. */
  endpoint: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  name?: string | undefined;
  encoderId: string;
  /** Side of the encoder's square input, px. */
  inputSizePx: number;
  /** µm per pixel to tile at (TARGET_MPP). */
  targetMpp: number;
  /** µm per level-0 pixel, given by the user: wins over the series' own. */
  mpp?: number | undefined;
  tileAtLevel0?: boolean | undefined;
  metadata?: Record<string, string> | undefined;
}

/**
 * Records a whole-slide series on a DICOMweb server as a `queued` slide, after opening it there
 * (metadata, every level's first frame decoded), so a series that cannot be read, or has no
 * MPP when none is given, is refused before any row exists. The same Series Instance UID
 * registers once: asking again returns the existing slide (`created: false`).
 *
 * @example
 * const { slide } = await registerDicomWebSeries(store, openSlide, { endpoint: 'pacs', studyInstanceUid, seriesInstanceUid, encoderId, inputSizePx: 224, targetMpp: 0.5 });
 */
export async function registerDicomWebSeries(store: Store, openSlide: SlideOpener, options: RegisterDicomWebSeriesOptions): Promise<RegisteredSlide> {
  const studyInstanceUid = checkDicomUid(options.studyInstanceUid, 'studyInstanceUid');
  const seriesInstanceUid = checkDicomUid(options.seriesInstanceUid, 'seriesInstanceUid');
  const existing = await store.slides.findBySeriesInstanceUid(seriesInstanceUid);
  if (existing) return { slide: existing, created: false };

  const filePath = dicomWebLocation(options.endpoint, studyInstanceUid, seriesInstanceUid);
  const reader = await openSlide({ source: 'dicomweb', filePath });
  try {
    const { properties } = reader;
    const name = options.name ?? `${options.endpoint} series ${seriesInstanceUid}`;
    const tiling = tilingResolution({
      inputSizePx: options.inputSizePx,
      targetMpp: options.targetMpp,
      fileMpp: { x: properties.mppX, y: properties.mppY },
      requestMpp: options.mpp,
      tileAtLevel0: options.tileAtLevel0,
      slideName: name,
    });
    const level0 = properties.levels[0]!;
    const row = {
      name,
      source: 'dicomweb' as const,
      filePath,
      seriesInstanceUid,
      contentSha256: createHash('sha256').update(`dicomweb series ${seriesInstanceUid}`).digest('hex'),
      format: properties.format,
      vendor: properties.vendor,
      widthPx: level0.widthPx,
      heightPx: level0.heightPx,
      ...slideTilingColumns(tiling, properties),
      objectivePower: properties.objectivePower,
      metadata: options.metadata ?? {},
      encoderId: options.encoderId,
    };
    try {
      return { slide: await store.slides.create(row), created: true };
    } catch (error) {
      // Registered by a concurrent request between the look-up and the insert: that row wins.
      const registered = await store.slides.findBySeriesInstanceUid(seriesInstanceUid);
      if (registered) return { slide: registered, created: false };
      throw error;
    }
  } finally {
    await reader.close();
  }
}
