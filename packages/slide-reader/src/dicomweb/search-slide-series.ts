import { checkDicomUid } from './dicom-uid.ts';
import { DicomJsonAttributes } from './dicom-json-attributes.ts';
import type { DicomWebClient } from './dicomweb-client.ts';

/** A slide-microscopy series on a DICOMweb server, described without patient attributes. */
export interface SlideSeriesSummary {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesNumber: number | null;
  seriesDescription: string | null;
  studyDescription: string | null;
  /** YYYYMMDD as the server stores it. */
  studyDate: string | null;
  instanceCount: number | null;
}

export interface SlideSeriesQuery {
  /** Only this study's series. */
  studyInstanceUid?: string | undefined;
  /** Most matches returned (QIDO `limit`). Default 100. */
  limit?: number | undefined;
  /** Matches skipped first (QIDO `offset`). */
  offset?: number | undefined;
}

const tag = {
  studyDate: 'x00080020',
  studyDescription: 'x00081030',
  seriesDescription: 'x0008103e',
  studyInstanceUid: 'x0020000d',
  seriesInstanceUid: 'x0020000e',
  seriesNumber: 'x00200011',
  seriesInstanceCount: 'x00201209',
};
const includeFields = ['00080020', '00081030', '0008103E', '00200011', '00201209'];

/**
 * QIDO-RS: the slide-microscopy series (Modality `SM`) on a server, optionally of one study.
 * Only the fields above are kept: names, IDs and birth dates a server sends along are dropped
 * here, so nothing downstream (responses, logs) carries them.
 *
 * @example
 * const series = await searchSlideSeries(servers.client('pacs'), { limit: 20 });
 */
export async function searchSlideSeries(
  client: DicomWebClient,
  query: SlideSeriesQuery = {},
): Promise<SlideSeriesSummary[]> {
  const path = query.studyInstanceUid
    ? `/studies/${checkDicomUid(query.studyInstanceUid, 'studyInstanceUid')}/series`
    : '/series';
  const matches = await client.searchJson(path, {
    Modality: 'SM',
    includefield: includeFields,
    limit: String(query.limit ?? 100),
    ...(query.offset ? { offset: String(query.offset) } : {}),
  });
  return matches.flatMap((match) => {
    const attributes = new DicomJsonAttributes(match);
    const seriesInstanceUid = attributes.string(tag.seriesInstanceUid);
    const studyInstanceUid = attributes.string(tag.studyInstanceUid) ?? query.studyInstanceUid;
    if (!seriesInstanceUid || !studyInstanceUid) return [];
    return [
      {
        studyInstanceUid,
        seriesInstanceUid,
        seriesNumber: attributes.intString(tag.seriesNumber) ?? null,
        seriesDescription: attributes.string(tag.seriesDescription) ?? null,
        studyDescription: attributes.string(tag.studyDescription) ?? null,
        studyDate: attributes.string(tag.studyDate) ?? null,
        instanceCount: attributes.intString(tag.seriesInstanceCount) ?? null,
      },
    ];
  });
}
