import { createHash } from 'node:crypto';
import { checkSeriesUids, dicomWebLocation, type SlideOpener } from '@pathlens/slide-reader';
import type { Store } from '@pathlens/store';
import { newSlideRow, slideTiling, type RegisteredSlide, type SlideRegistrationSettings } from './register-slide.ts';

export interface RegisterDicomWebSeriesOptions extends SlideRegistrationSettings {
  /** The server's name in DICOMWEB_ENDPOINTS. */
  endpoint: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

/**
 * Records a whole-slide series on a DICOMweb server as a `queued` slide, after opening it there
 * (metadata, every level's first frame decoded), so a series that cannot be read, or has no
 * MPP when none is given, is refused before any row exists. The same Series Instance UID
 * registers once: asking again returns the existing slide (`created: false`) without asking
 * the server.
 *
 * @example
 * const { slide } = await registerDicomWebSeries(store, openSlide, {
 *   endpoint: 'pacs', studyInstanceUid, seriesInstanceUid, encoderId, inputSizePx: 224, targetMpp: 0.5,
 * });
 */
export async function registerDicomWebSeries(
  store: Store,
  openSlide: SlideOpener,
  options: RegisterDicomWebSeriesOptions,
): Promise<RegisteredSlide> {
  const { studyInstanceUid, seriesInstanceUid } = checkSeriesUids(options);
  const existing = await store.slides.findBySeriesInstanceUid(seriesInstanceUid);
  if (existing) return { slide: existing, created: false };

  const filePath = dicomWebLocation(options.endpoint, studyInstanceUid, seriesInstanceUid);
  const reader = await openSlide({ source: 'dicomweb', filePath });
  try {
    const name = options.name ?? `${options.endpoint} series ${seriesInstanceUid}`;
    const tiling = slideTiling(reader.properties, options, name);
    // The unique content hash of a server's slide is its series' (its bytes are never all read).
    const contentSha256 = createHash('sha256').update(`dicomweb series ${seriesInstanceUid}`).digest('hex');
    const row = newSlideRow(reader.properties, tiling, options, {
      name,
      filePath,
      contentSha256,
      source: 'dicomweb',
      seriesInstanceUid,
    });
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
