import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { auditEvents, type AuditEventRow } from '../schema/audit-events.ts';

export type NewAuditEvent = Omit<typeof auditEvents.$inferInsert, 'id' | 'at'> & { at?: Date };

export interface AuditQuery {
  /** Newest first; at most this many (1–1000). */
  limit: number;
  /** Only events strictly before this time (the previous page's last `at`). */
  before?: Date | undefined;
  action?: AuditEventRow['action'] | undefined;
  slideId?: string | undefined;
}

/** The audit trail: one row per chat or report request, append-only. */
export class AuditRepository {
  constructor(private readonly db: Database) {}

  /**
   * @example
   * await store.audit.record({ actor: 'anonymous', action: 'chat', slideId, model, evidenceIds: ['patch:12'],
   * durationMs: 840, status: 200 });
   */
  async record(event: NewAuditEvent): Promise<AuditEventRow> {
    const [row] = await this.db.insert(auditEvents).values(event).returning();
    return row!;
  }

  async list(query: AuditQuery): Promise<AuditEventRow[]> {
    const conditions: SQL[] = [];
    if (query.before) conditions.push(lt(auditEvents.at, query.before));
    if (query.action) conditions.push(eq(auditEvents.action, query.action));
    if (query.slideId) conditions.push(eq(auditEvents.slideId, query.slideId));
    return this.db
      .select()
      .from(auditEvents)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(auditEvents.at))
      .limit(Math.min(Math.max(query.limit, 1), 1000));
  }
}
