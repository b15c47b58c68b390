/** Where a client can see evidence: URLs relative to the API root, built in one place. */
export interface ThumbnailUrls {
  /** A level-0 square crop of a slide (`GET /v1/slides/:id/region.jpg`). */
  region(slideId: string, xLevel0: number, yLevel0: number, sizeLevel0Px: number): string;
  /** A library pair's picture (`GET /v1/pairs/:id/image`), or null when the pair has none (text-only). */
  pairImage(pairId: string, imageRef: string | null): string | null;
}

export const defaultThumbnailUrls: ThumbnailUrls = {
  region: (slideId, xLevel0, yLevel0, sizeLevel0Px) =>
    `/v1/slides/${slideId}/region.jpg?x=${xLevel0}&y=${yLevel0}&size=${sizeLevel0Px}`,
  pairImage: (pairId, imageRef) => (imageRef ? `/v1/pairs/${pairId}/image` : null),
};
