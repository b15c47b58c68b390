/**
 * The one vocabulary for a slide's extra pictures, whatever a vendor calls them. Every reader
 * lists its associated images in these words only (an unknown vendor word is not listed, so it
 * can never be served); what is served is decided on these words (SERVE_LABEL_IMAGE, ASSOCIATED_IMAGES).
 * - `label`: the slide label (can show patient identity)
 * - `macro`: a photo of the whole glass slide, label included
 * - `overview`: a low-power overview page, which can show the label too
 * - `thumbnail`: a reduced copy of the scanned tissue only
 */
export const associatedImageKinds = ['label', 'macro', 'overview', 'thumbnail'] as const;
export type AssociatedImageKind = (typeof associatedImageKinds)[number];

/** The kind a vendor's name for an associated image stands for, or null when it is none of ours. */
export function associatedImageKind(vendorName: string): AssociatedImageKind | null {
  const word = vendorName.trim().toLowerCase();
  return (associatedImageKinds as readonly string[]).includes(word) ? (word as AssociatedImageKind) : null;
}
