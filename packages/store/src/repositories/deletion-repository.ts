import { eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { auditEvents } from '../schema/audit-events.ts';
import { conversations, messages } from '../schema/conversations.ts';
import { imageTextPairs, type ImageTextPairRow } from '../schema/image-text-pairs.ts';
import { patches } from '../schema/patches.ts';
import { reports } from '../schema/reports.ts';
import { slidePrototypes } from '../schema/slide-prototypes.ts';
import { slides, type SlideRow } from '../schema/slides.ts';

/** Who deletes, and how long the request has taken so far: the audit row written with the deletion. */
export interface DeletionAudit {
  actor: string;
  durationMs: number;
}

/** Rows (and, filled in by the caller, files) a deletion removed, by kind. Counts only, never content. */
export type DeletedCounts = Record<string, number>;

/** Metadata keys that name a patient, for a purge. */
export const patientMetadataKeys = ['patient_id', 'patient', 'mrn'] as const;

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Deletions, each one transaction together with its audit row: the rows go and the audit
 * says a deletion happened and by whom, or neither happens. Files are the caller's (they live
 * under DATA_DIR), removed after the rows, so a failure never leaves a row whose file is gone.
 */
export class DeletionRepository {
  constructor(private readonly db: Database) {}

  /**
   * A slide with its patches, prototypes and reports. Conversations about it keep their text;
   * they lose the link and record when the slide was deleted. Undefined when there is no such slide.
   */
  async deleteSlide(id: string, audit: DeletionAudit): Promise<{ slide: SlideRow; counts: DeletedCounts } | undefined> {
    return this.db.transaction(async (transaction) => {
      const deleted = await this.#deleteSlides(transaction, eq(slides.id, id));
      const slide = deleted.slides[0];
      if (!slide) return undefined;
      await this.#audit(transaction, audit, 'delete', 'slide', id, deleted.counts);
      return { slide, counts: deleted.counts };
    });
  }

  /** A library pair; the caller removes its image file (`imageRef`). */
  async deletePair(id: string, audit: DeletionAudit): Promise<ImageTextPairRow | undefined> {
    return this.db.transaction(async (transaction) => {
      const [pair] = await transaction.delete(imageTextPairs).where(eq(imageTextPairs.id, id)).returning();
      if (pair) await this.#audit(transaction, audit, 'delete', 'pair', id, { pairs: 1 });
      return pair;
    });
  }

  /** A conversation and its messages; the caller removes its image folder. */
  async deleteConversation(id: string, audit: DeletionAudit): Promise<DeletedCounts | undefined> {
    return this.db.transaction(async (transaction) => {
      const counts = await this.#deleteConversations(transaction, eq(conversations.id, id));
      if (!counts.conversations) return undefined;
      await this.#audit(transaction, audit, 'delete', 'conversation', id, counts);
      return counts;
    });
  }

  async deleteReport(id: string, audit: DeletionAudit): Promise<DeletedCounts | undefined> {
    return this.db.transaction(async (transaction) => {
      const deleted = await transaction.delete(reports).where(eq(reports.id, id)).returning({ id: reports.id });
      if (deleted.length === 0) return undefined;
      await this.#audit(transaction, audit, 'delete', 'report', id, { reports: 1 });
      return { reports: 1 };
    });
  }

  /** Slides and pairs whose metadata names this patient (any of `patientMetadataKeys`). */
  async findPatientData(patientId: string): Promise<{ slides: SlideRow[]; pairs: ImageTextPairRow[] }> {
    return {
      slides: await this.db.select().from(slides).where(namesPatient(slides.metadata, patientId)),
      pairs: await this.db.select().from(imageTextPairs).where(namesPatient(imageTextPairs.metadata, patientId)),
    };
  }

  /**
   * Everything derived from one patient: their slides (with patches, prototypes, reports and
   * the conversations about them, messages included) and library pairs. The audit row keeps
   * the counts; the patient id itself is kept only as a sha256, so the audit names no one.
   */
  async purgePatient(
    patientId: string,
    patientIdSha256: string,
    audit: DeletionAudit,
  ): Promise<{ slides: SlideRow[]; pairs: ImageTextPairRow[]; conversationIds: string[]; counts: DeletedCounts }> {
    return this.db.transaction(async (transaction) => {
      const slideIds = transaction
        .select({ id: slides.id })
        .from(slides)
        .where(namesPatient(slides.metadata, patientId));
      const conversationRows = await transaction
        .select({ id: conversations.id })
        .from(conversations)
        .where(inArray(conversations.slideId, slideIds));
      const conversationIds = conversationRows.map((row) => row.id);
      const conversationCounts = conversationIds.length
        ? await this.#deleteConversations(transaction, inArray(conversations.id, conversationIds))
        : { conversations: 0, messages: 0 };
      const deleted = await this.#deleteSlides(transaction, namesPatient(slides.metadata, patientId));
      const pairs = await transaction
        .delete(imageTextPairs)
        .where(namesPatient(imageTextPairs.metadata, patientId))
        .returning();
      const counts = { ...deleted.counts, ...conversationCounts, pairs: pairs.length };
      await this.#audit(transaction, audit, 'purge', 'patient', `sha256:${patientIdSha256}`, counts);
      return { slides: deleted.slides, pairs, conversationIds, counts };
    });
  }

  async #deleteSlides(transaction: Transaction, where: SQL): Promise<{ slides: SlideRow[]; counts: DeletedCounts }> {
    const ids = transaction.select({ id: slides.id }).from(slides).where(where);
    const count = async (table: typeof patches | typeof slidePrototypes | typeof reports) => {
      const [row] = await transaction
        .select({ count: sql<number>`count(*)::int` })
        .from(table)
        .where(inArray(table.slideId, ids));
      return Number(row?.count ?? 0);
    };
    const patchCount = await count(patches);
    const prototypeCount = await count(slidePrototypes);
    const reportCount = await count(reports);
    const marked = await transaction
      .update(conversations)
      .set({ slideDeletedAt: sql`now()` })
      .where(inArray(conversations.slideId, ids))
      .returning({ id: conversations.id });
    // Patches, prototypes and reports go with the slide (foreign keys on delete cascade).
    const deletedSlides = await transaction.delete(slides).where(where).returning();
    return {
      slides: deletedSlides,
      counts: {
        slides: deletedSlides.length,
        patches: patchCount,
        prototypes: prototypeCount,
        reports: reportCount,
        conversations_marked: marked.length,
      },
    };
  }

  async #deleteConversations(transaction: Transaction, where: SQL): Promise<DeletedCounts> {
    const ids = transaction.select({ id: conversations.id }).from(conversations).where(where);
    const [messageCount] = await transaction
      .select({ count: sql<number>`count(*)::int` })
      .from(messages)
      .where(inArray(messages.conversationId, ids));
    const deleted = await transaction.delete(conversations).where(where).returning({ id: conversations.id });
    return { conversations: deleted.length, messages: Number(messageCount?.count ?? 0) };
  }

  async #audit(
    transaction: Transaction,
    audit: DeletionAudit,
    action: 'delete' | 'purge',
    targetKind: string,
    targetId: string,
    deletedCounts: DeletedCounts,
  ): Promise<void> {
    await transaction.insert(auditEvents).values({
      actor: audit.actor,
      action,
      targetKind,
      targetId,
      deletedCounts,
      durationMs: audit.durationMs,
      status: 200,
    });
  }
}

function namesPatient(metadata: typeof slides.metadata | typeof imageTextPairs.metadata, patientId: string): SQL {
  return or(...patientMetadataKeys.map((key) => sql`${metadata} ->> ${key} = ${patientId}`))!;
}
