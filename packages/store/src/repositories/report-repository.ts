import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { reports, type ReportRow } from '../schema/reports.ts';

export interface NewReport {
  slideId: string;
  templateId: string | null;
  clinicalContext: string | null;
  /** The schema-validated report; stored as it was returned. */
  structured: Record<string, unknown>;
  markdown: string;
  /** The language model that wrote its text fields. */
  model: string;
  /** The numbered evidence the report cites. */
  evidence: unknown[];
}

/** Report drafts: stored whole in one insert, read back by id, and the latest per slide as evidence for similar slides.
 *
 */
export class ReportRepository {
  constructor(private readonly db: Database) {}

  /**
   * @example
   * const report = await store.reports.create({ slideId, templateId: 'skin', clinicalContext: null, structured,
   * markdown, model: 'pathlens/tiny-chat', evidence });
   */
  async create(report: NewReport): Promise<ReportRow> {
    const [row] = await this.db.insert(reports).values(report).returning();
    return row!;
  }

  async findById(id: string): Promise<ReportRow | undefined> {
    const [row] = await this.db.select().from(reports).where(eq(reports.id, id));
    return row;
  }

  /** A slide's reports, newest first. */
  async listForSlide(slideId: string, limit = 20): Promise<ReportRow[]> {
    return this.db
      .select()
      .from(reports)
      .where(eq(reports.slideId, slideId))
      .orderBy(desc(reports.createdAt))
      .limit(limit);
  }

  /** The newest report of each of these slides (slides without one are absent from the map). */
  async latestForSlides(slideIds: string[]): Promise<Map<string, ReportRow>> {
    if (slideIds.length === 0) return new Map();
    const rows = await this.db
      .selectDistinctOn([reports.slideId])
      .from(reports)
      .where(inArray(reports.slideId, slideIds))
      .orderBy(reports.slideId, desc(reports.createdAt), sql`${reports.id}`);
    return new Map(rows.map((row) => [row.slideId, row]));
  }
}
