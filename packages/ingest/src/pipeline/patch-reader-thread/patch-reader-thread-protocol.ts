import type { PackedImages, SerialisedError } from '@pathlens/core';
import type { NewPrototype } from '@pathlens/store';
import type { GridCell } from '../../patch-grid.ts';
import type { PrototypeSettings } from '../../prototypes/slide-prototypes.ts';
import type { PatchReadPlan } from '../../tiling/read-level.ts';

/** What the thread opens and how it reads: the same plan and checks `ingestSlide` uses on its own thread. */
export interface PatchReaderThreadData {
  /** A slide file (DICOMweb slides are read on the calling thread). */
  filePath: string;
  readPlan: PatchReadPlan;
  inputSizePx: number;
  /** Below this share of stained pixels a read patch is background (`measureTissue`). */
  minStainedPixelFraction: number;
  /** Patch reads in flight at once inside the thread. */
  readsInFlight: number;
}

export type PatchReaderThreadRequest =
  | { type: 'read'; id: number; cells: GridCell[] }
  /** k-means prototypes of the slide's patches: ids, and their embeddings packed row by row (transferred). */
  | {
      type: 'prototypes';
      id: number;
      patchIds: number[];
      embeddings: ArrayBuffer;
      dimension: number;
      settings: Partial<PrototypeSettings>;
    }
  | { type: 'close' };

export type PatchReaderThreadReply =
  | { type: 'ready'; limits: Record<string, never> }
  | { type: 'load-failed'; error: SerialisedError }
  /** `kept[i]` says whether cell i is tissue; `images` holds the kept ones, in order. */
  | { type: 'patches'; id: number; kept: boolean[]; images: PackedImages }
  | { type: 'prototypes'; id: number; prototypes: NewPrototype[] }
  | { type: 'failed'; id: number; error: SerialisedError };
