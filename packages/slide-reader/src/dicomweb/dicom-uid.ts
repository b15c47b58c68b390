import { PathLensError } from '@pathlens/core';

/** A DICOM UID: digits in dot-separated components, at most 64 characters (PS3.5 9.1). */
const uidPattern = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

/** Returns the UID, or throws `invalid_request` naming the field. UIDs go into URL paths, so nothing else passes. */
export function checkDicomUid(value: string, field: string): string {
  if (value.length <= 64 && uidPattern.test(value)) return value;
  throw new PathLensError(
    'invalid_request',
    `${field} "${value.slice(0, 80)}" is not a DICOM UID (digits and dots, at most 64 characters, e.g. ` +
      `1.2.840.113619.2.1).`,
    {
      field,
    },
  );
}

/** Both UIDs of a series' location, checked (`invalid_request` naming the bad one). */
export function checkSeriesUids(location: { studyInstanceUid: string; seriesInstanceUid: string }): {
  studyInstanceUid: string;
  seriesInstanceUid: string;
} {
  return {
    studyInstanceUid: checkDicomUid(location.studyInstanceUid, 'studyInstanceUid'),
    seriesInstanceUid: checkDicomUid(location.seriesInstanceUid, 'seriesInstanceUid'),
  };
}
