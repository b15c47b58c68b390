import type { NewPrototype, Store } from '@pathlens/store';
import { computePrototypes, type EmbeddedPatch, type PrototypeSettings } from './slide-prototypes.ts';

/** Patches clustered at most per slide; a larger slide is sampled evenly (its weights become estimates). */
export const maxPatchesToCluster = 10_000;

/**
 * Compute a slide's k-means prototypes from its stored patches and store them (replacing any
 * earlier set, in one transaction). Returns how many prototypes it stored.
 */
export async function storeSlidePrototypes(
  store: Store,
  slideId: string,
  settings: Partial<PrototypeSettings> = {},
  /** Where k-means runs: here by default; ingestion hands in its worker thread's. */
  compute: (patches: EmbeddedPatch[], settings: Partial<PrototypeSettings>) => Promise<NewPrototype[]> = async (
    patches,
    chosen,
  ) => computePrototypes(patches, chosen),
): Promise<number> {
  const patches = await store.prototypes.patchesToCluster(slideId, maxPatchesToCluster);
  const prototypes = await compute(patches, settings);
  await store.prototypes.replaceForSlide(slideId, prototypes);
  return prototypes.length;
}
