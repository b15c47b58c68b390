import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** The roles a key can have; what each may do is decided by the server's route table. */
export const apiKeyRoles = ['admin', 'clinician', 'educator', 'service'] as const;
export type ApiKeyRole = (typeof apiKeyRoles)[number];

/**
 * An API key. Only a salted scrypt hash of its secret is kept: the key itself is shown once,
 * when it is created. A revoked key stays (audit rows name it) with `revoked_at` set.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    role: text('role', { enum: apiKeyRoles }).notNull(),
    /** Per-key random salt, base64url. */
    secretSalt: text('secret_salt').notNull(),
    /** scrypt(secret, salt), base64url. */
    secretHash: text('secret_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [index('api_keys_revoked_idx').on(table.revokedAt)],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
