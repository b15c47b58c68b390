import { asc, count, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { conversations, messages, type ConversationRow, type MessageRow } from '../schema/conversations.ts';

export interface NewMessage {
  role: MessageRow['role'];
  content: string;
  model?: string | null;
  evidence?: unknown[];
  citations?: unknown[];
}

export class ConversationRepository {
  constructor(private readonly db: Database) {}

  async create(conversation: { slideId: string | null; title: string }): Promise<ConversationRow> {
    const [row] = await this.db.insert(conversations).values(conversation).returning();
    return row!;
  }

  async findById(id: string): Promise<ConversationRow | undefined> {
    const [row] = await this.db.select().from(conversations).where(eq(conversations.id, id));
    return row;
  }

  /** A slide's conversations, newest first, each with its number of messages. */
  async listForSlide(slideId: string): Promise<(ConversationRow & { messageCount: number })[]> {
    const rows = await this.db
      .select({ conversation: conversations, messageCount: count(messages.id) })
      .from(conversations)
      .leftJoin(messages, eq(messages.conversationId, conversations.id))
      .where(eq(conversations.slideId, slideId))
      .groupBy(conversations.id)
      .orderBy(desc(conversations.createdAt), desc(conversations.id));
    return rows.map((row) => ({ ...row.conversation, messageCount: Number(row.messageCount) }));
  }

  /** Append messages in one transaction, after the conversation's last one. */
  async append(conversationId: string, newMessages: NewMessage[]): Promise<MessageRow[]> {
    return this.db.transaction((transaction) => appendMessages(transaction, conversationId, newMessages));
  }

  /**
   * Store a new conversation together with its first messages, in one transaction: a chat that
   * fails or is cancelled before its answer is complete leaves no empty conversation behind.
   */
  async createWithMessages(
    conversation: { id: string; slideId: string | null; title: string },
    newMessages: NewMessage[],
  ): Promise<MessageRow[]> {
    return this.db.transaction(async (transaction) => {
      await transaction.insert(conversations).values(conversation);
      return appendMessages(transaction, conversation.id, newMessages);
    });
  }

  async messages(conversationId: string): Promise<MessageRow[]> {
    return this.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .orderBy(asc(messages.position));
  }
}

async function appendMessages(
  transaction: Parameters<Parameters<Database['transaction']>[0]>[0],
  conversationId: string,
  newMessages: NewMessage[],
): Promise<MessageRow[]> {
  const [last] = await transaction
    .select({ position: sql<number | null>`max(${messages.position})` })
    .from(messages)
    .where(eq(messages.conversationId, conversationId));
  const start = last?.position === null || last?.position === undefined ? 0 : Number(last.position) + 1;
  return transaction
    .insert(messages)
    .values(newMessages.map((message, index) => ({ conversationId, position: start + index, ...message })))
    .returning();
}
