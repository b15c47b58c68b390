import type { Store } from '@pathlens/store';
import { newSlideRow } from './test-stores.ts';
import { normalise, seededRandom } from './vectors.ts';

const dimensions = 512;
const clusterCount = 24;
export const clusteredSlideOrgans = ['colon', 'lung', 'colon'];

/** Unit vectors in tight clusters around seeded random centres: the shape image embeddings have. */
export function clusteredSet(seed: number) {
  const gaussians = (streamSeed: number) => {
    const random = seededRandom(streamSeed);
    return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  };
  const centreNoise = gaussians(seed);
  const centres = Array.from({ length: clusterCount }, () =>
    normalise(Array.from({ length: dimensions }, centreNoise)),
  );
  /** The same vector for the same index, every call. */
  const near = (centre: number[], spread: number, streamSeed: number) => {
    const noise = gaussians(streamSeed);
    return normalise(centre.map((value) => value + spread * noise()));
  };
  return {
    patch: (index: number) => near(centres[index % clusterCount]!, 0.04, seed * 100_000 + index),
    query: (index: number) => near(centres[(index * 7) % clusterCount]!, 0.03, seed * 100_000 + 90_000 + index),
  };
}

/** Stores `patchesPerSlide` clustered patches in each of three ready slides (organs colon, lung, colon); returns their
 * ids. */
export async function storeClusteredSlides(store: Store, seed: number, patchesPerSlide = 1000): Promise<string[]> {
  const set = clusteredSet(seed);
  const slideIds: string[] = [];
  for (const [slideIndex, organ] of clusteredSlideOrgans.entries()) {
    const slide = await store.slides.create({
      ...newSlideRow(`patch-index-${seed}-${slideIndex}`),
      metadata: { organ },
    });
    await store.patches.insertBatch(
      slide.id,
      Array.from({ length: patchesPerSlide }, (_, cell) => ({
        xLevel0: (cell % 40) * 224,
        yLevel0: Math.floor(cell / 40) * 224,
        sizeLevel0Px: 224,
        tissueFraction: 1,
        embedding: set.patch(slideIndex * patchesPerSlide + cell + slideIndex),
      })),
    );
    await store.slides.markReady(slide.id, { patchCount: patchesPerSlide, embedding: null });
    slideIds.push(slide.id);
  }
  return slideIds;
}
