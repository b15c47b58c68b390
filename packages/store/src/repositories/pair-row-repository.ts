import { createHash } from 'node:crypto';
import { asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { imageTextPairs } from '../schema/image-text-pairs.ts';
import { pairRows, type PairRowRow } from '../schema/pair-rows.ts';

/** One imported row's own fields, linked to the library entry that holds its content. */
export interface NewPairRow {
  pairContentSha256: string;
  source: string | null;
  metadata: Record<string, string>;
}

/** JSON with keys in order, so the same fields always hash the same. */
const canonicalJson = (metadata: Record<string, string>) =>
  JSON.stringify(Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => a.localeCompare(b))));

/** The rows imported into the library, each linked to its (possibly shared) stored entry. */
export class PairRowRepository {
  constructor(private readonly db: Database) {}

  /**
   * Link rows to the entries holding their content. Rows whose entry is not stored are skipped
   * (their content was rejected); a row linked before is kept once. Returns how many were new.
   */
  async link(rows: NewPairRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const hashes = [...new Set(rows.map((row) => row.pairContentSha256))];
    const stored = new Set(
      (
        await this.db
          .select({ contentSha256: imageTextPairs.contentSha256 })
          .from(imageTextPairs)
          .where(inArray(imageTextPairs.contentSha256, hashes))
      ).map((row) => row.contentSha256),
    );
    const values = rows
      .filter((row) => stored.has(row.pairContentSha256))
      .map((row) => ({
        ...row,
        rowSha256: createHash('sha256')
          .update(`${row.pairContentSha256}\n${row.source ?? ''}\n${canonicalJson(row.metadata)}`)
          .digest('hex'),
      }));
    if (values.length === 0) return 0;
    const inserted = await this.db
      .insert(pairRows)
      .values(values)
      .onConflictDoNothing({ target: pairRows.rowSha256 })
      .returning({ id: pairRows.id });
    return inserted.length;
  }

  /** The rows linked to a library entry (by its id), oldest first. */
  async forPair(pairId: string): Promise<PairRowRow[]> {
    const rows = await this.db
      .select({ row: pairRows })
      .from(pairRows)
      .innerJoin(imageTextPairs, eq(imageTextPairs.contentSha256, pairRows.pairContentSha256))
      .where(eq(imageTextPairs.id, pairId))
      .orderBy(asc(pairRows.createdAt), asc(pairRows.id));
    return rows.map(({ row }) => row);
  }
}
