import { asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { apiKeys, type ApiKeyRole, type ApiKeyRow } from '../schema/api-keys.ts';

export interface NewApiKey {
  /** Chosen by the caller when the key text must carry it; random otherwise. */
  id?: string;
  name: string;
  role: ApiKeyRole;
  secretSalt: string;
  secretHash: string;
}

/** API keys: hashes only (hashing and checking live in the server's auth folder). */
export class ApiKeyRepository {
  constructor(private readonly db: Database) {}

  async create(key: NewApiKey): Promise<ApiKeyRow> {
    const [row] = await this.db.insert(apiKeys).values(key).returning();
    return row!;
  }

  async findById(id: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    return row;
  }

  /** Every key, revoked ones too, oldest first. */
  async list(): Promise<ApiKeyRow[]> {
    return this.db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt));
  }

  /** Keys that still work. */
  async countActive(): Promise<number> {
    const [row] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(apiKeys)
      .where(isNull(apiKeys.revokedAt));
    return row?.count ?? 0;
  }

  /** Revoke a key; a second revoke keeps the first time. Undefined when no such key exists. */
  async revoke(id: string, at = new Date()): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${at.toISOString()}::timestamptz)` })
      .where(eq(apiKeys.id, id))
      .returning();
    return row;
  }
}
