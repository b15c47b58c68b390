import { Hono } from 'hono';
import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import type { ConversationRow } from '@pathlens/store';
import type { AppEnvironment } from '../../app-environment.ts';
import { findSlide } from '../slides/find-slide.ts';

const conversationHeader = (conversation: ConversationRow) => ({
  id: conversation.id,
  object: 'conversation' as const,
  slide_id: conversation.slideId,
  /** The slide it was about was deleted: the text stays, the link does not. */
  slide_deleted: conversation.slideDeletedAt !== null,
  slide_deleted_at: conversation.slideDeletedAt?.toISOString() ?? null,
  title: conversation.title,
  created_at: conversation.createdAt.toISOString(),
});

/**
 * `GET /v1/conversations/:id`: the stored turns, each assistant turn with its evidence and citations;
 * `slide_deleted` when the slide it was about has been deleted.
 * `GET /v1/slides/:id/conversations`: a slide's conversations, newest first (continue one by
 * sending its id as `conversation_id` to `POST /v1/chat/completions`).
 */
export function conversationsRoutes() {
  return new Hono<AppEnvironment>()
    .get('/v1/conversations/:id', async (context) => {
      const { store } = context.get('runtime');
      const id = context.req.param('id');
      const conversation = z.string().uuid().safeParse(id).success ? await store.conversations.findById(id) : undefined;
      if (!conversation) throw new PathLensError('not_found', `No conversation with id ${id}.`);
      const messages = await store.conversations.messages(id);
      return context.json({
        ...conversationHeader(conversation),
        messages: messages.map((message) => ({
          id: message.id,
          role: message.role,
          content: message.content,
          model: message.model,
          evidence: message.evidence,
          citations: message.citations,
          created_at: message.createdAt.toISOString(),
        })),
      });
    })
    .get('/v1/slides/:id/conversations', async (context) => {
      const { store } = context.get('runtime');
      const slide = await findSlide(store, context.req.param('id'));
      const conversations = await store.conversations.listForSlide(slide.id);
      return context.json({
        object: 'list',
        data: conversations.map((conversation) => ({
          ...conversationHeader(conversation),
          message_count: conversation.messageCount,
        })),
      });
    });
}
