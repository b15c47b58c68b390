import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { slides } from './slides.ts';

export const conversations = pgTable('conversations', {
  id: uuid('id').primaryKey().defaultRandom(),
  slideId: uuid('slide_id').references(() => slides.id, { onDelete: 'set null' }),
  title: text('title').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /** When the slide it was about was deleted (`slide_id` is then null); the text stays. */
  slideDeletedAt: timestamp('slide_deleted_at', { withTimezone: true }),
});

export const messageRoles = ['system', 'user', 'assistant'] as const;

/** One turn. Assistant messages keep the evidence they were given and the citations they made. */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** Order within the conversation, from 0. */
    position: integer('position').notNull(),
    role: text('role', { enum: messageRoles }).notNull(),
    content: text('content').notNull(),
    model: text('model'),
    evidence: jsonb('evidence').$type<unknown[]>().notNull().default([]),
    citations: jsonb('citations').$type<unknown[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('messages_conversation_idx').on(table.conversationId, table.position)],
);

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
