import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { PathLensError } from '@pathlens/core';
import type { Database } from '../database.ts';
import { patches } from '../schema/patches.ts';
import { slidePrototypes } from '../schema/slide-prototypes.ts';

/** One k-means prototype of a slide, as the summariser computes it. */
export interface NewPrototype {
  /** 0-based, unique within the slide. */
  clusterIndex: number;
  /** Share of the slide's patches in this cluster, 0–1; a slide's weights sum to 1. */
  weight: number;
  /** Cluster centre, L2-normalised, 512-d. */
  embedding: number[];
  /** Ids of patches of the same slide, most representative first. */
  representativePatchIds: number[];
}

/** A patch shown for a prototype: where it is on the slide, in level-0 pixels. */
export interface PrototypePatch {
  id: number;
  /** Top-left corner, level-0 pixels. */
  xLevel0: number;
  yLevel0: number;
  /** Side, level-0 pixels. */
  sizeLevel0Px: number;
  /** Share of tissue pixels, 0–1. */
  tissueFraction: number;
}

export interface SlidePrototype {
  id: string;
  slideId: string;
  clusterIndex: number;
  weight: number;
  embedding: number[];
  /** Most representative first; patches deleted since are left out. */
  representativePatches: PrototypePatch[];
}

export class PrototypeRepository {
  constructor(private readonly db: Database) {}

  /**
   * Replace a slide's prototypes in one transaction: readers see the old set or the new one,
   * never a mix. Every representative patch must belong to the slide.
   *
   * @example
   * await store.prototypes.replaceForSlide(slide.id, [{ clusterIndex: 0, weight: 1, embedding, representativePatchIds:
   * [12, 40] }]);
   */
  async replaceForSlide(slideId: string, prototypes: NewPrototype[]): Promise<void> {
    const patchIds = [...new Set(prototypes.flatMap((prototype) => prototype.representativePatchIds))];
    await this.db.transaction(async (transaction) => {
      if (patchIds.length > 0) {
        const owned = await transaction
          .select({ id: patches.id })
          .from(patches)
          .where(and(eq(patches.slideId, slideId), inArray(patches.id, patchIds)));
        if (owned.length !== patchIds.length) {
          const ownedIds = new Set(owned.map((row) => row.id));
          const foreign = patchIds.filter((id) => !ownedIds.has(id));
          throw new PathLensError(
            'invalid_request',
            `Prototype representatives ${foreign.join(', ')} are not patches of slide ${slideId}.`,
            { slideId, patchIds: foreign },
          );
        }
      }
      await transaction.delete(slidePrototypes).where(eq(slidePrototypes.slideId, slideId));
      if (prototypes.length > 0) {
        await transaction.insert(slidePrototypes).values(prototypes.map((prototype) => ({ slideId, ...prototype })));
      }
    });
  }

  /**
   * The patches to cluster for a slide's summary, with their embeddings: all of them up to
   * `maxCount`, else an even sample by id (every n-th), so memory stays bounded on huge slides.
   */
  async patchesToCluster(slideId: string, maxCount: number): Promise<{ id: number; embedding: number[] }[]> {
    const [counted] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(patches)
      .where(eq(patches.slideId, slideId));
    const total = Number(counted?.count ?? 0);
    if (total === 0) return [];
    const step = Math.max(1, Math.ceil(total / Math.max(1, maxCount)));
    const numbered = this.db
      .select({
        id: patches.id,
        embedding: patches.embedding,
        position: sql<number>`row_number() over (order by ${patches.id})`.as('position'),
      })
      .from(patches)
      .where(eq(patches.slideId, slideId))
      .as('numbered');
    const rows = await this.db
      .select({ id: numbered.id, embedding: numbered.embedding })
      .from(numbered)
      .where(sql`(${numbered.position} - 1) % ${step} = 0`)
      .orderBy(numbered.id);
    return rows;
  }

  /** A slide's prototypes by cluster number, each with its representative patches' level-0 positions. */
  async forSlide(slideId: string): Promise<SlidePrototype[]> {
    const rows = await this.db
      .select()
      .from(slidePrototypes)
      .where(eq(slidePrototypes.slideId, slideId))
      .orderBy(asc(slidePrototypes.clusterIndex));
    const patchIds = [...new Set(rows.flatMap((row) => row.representativePatchIds))];
    const patchRows =
      patchIds.length === 0
        ? []
        : await this.db
            .select({
              id: patches.id,
              xLevel0: patches.xLevel0,
              yLevel0: patches.yLevel0,
              sizeLevel0Px: patches.sizeLevel0Px,
              tissueFraction: patches.tissueFraction,
            })
            .from(patches)
            .where(and(eq(patches.slideId, slideId), inArray(patches.id, patchIds)));
    const patchById = new Map(patchRows.map((row) => [row.id, row]));
    return rows.map((row) => ({
      id: row.id,
      slideId: row.slideId,
      clusterIndex: row.clusterIndex,
      weight: row.weight,
      embedding: row.embedding,
      representativePatches: row.representativePatchIds.flatMap((id) => {
        const patch = patchById.get(id);
        return patch ? [patch] : [];
      }),
    }));
  }
}
