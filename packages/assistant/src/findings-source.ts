import type { SlideRow } from '@pathlens/store';
import type { UnrankedEvidence } from './evidence.ts';

/** One class of a zero-shot label set, read out of a slide's aggregated embedding. */
export interface ZeroShotFinding {
  labelSetId: string;
  labelSetName: string;
  classId: string;
  /** The class name, as the label set words it. */
  className: string;
  /** softmax(logit scale × cosine) over the label set's classes, 0–1. */
  probability: number;
}

/**
 * Zero-shot findings for a slide (its aggregated embedding) or a picture (its embedding) from the
 * named label sets (ids it does not know are skipped). The server supplies one backed by the
 * retrieval package's label sets; without one, chats and reports simply have no findings.
 */
export type FindingsSource = (
  subject: Pick<SlideRow, 'embedding'>,
  labelSetIds: string[],
) => Promise<ZeroShotFinding[]>;

/** A finding as evidence: the slide's, or (with `imageNumber`) read from the user's picture of that number. */
export function findingEvidence(finding: ZeroShotFinding, imageNumber?: number): UnrankedEvidence {
  return {
    kind: 'finding',
    id: `${imageNumber === undefined ? '' : `image-${imageNumber}:`}${finding.labelSetId}/${finding.classId}`,
    score: finding.probability,
    thumbnailUrl: null,
    labelSetId: finding.labelSetId,
    labelSetName: finding.labelSetName,
    label: finding.className,
    probability: finding.probability,
    ...(imageNumber === undefined ? {} : { imageNumber }),
  };
}
