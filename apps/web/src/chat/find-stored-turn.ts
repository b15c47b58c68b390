import { api } from '../api/api-client.ts';
import type { Conversation } from '../api/api-types.ts';

/**
 * After a stop: the conversation that stores the turn just asked, when the server had already
 * completed and stored it before the stop reached it (a declined question, or a short answer, is
 * whole at once); null when nothing of the turn was stored, as a stop before the end leaves it.
 *
 * @param conversationId the conversation the question continued; null for a new one, which is
 *   then looked for among the slide's conversations that `knownConversationIds` does not list.
 * @param messagesBefore the conversation's messages (no system messages) before this question.
 */
export async function findStoredTurn(
  slideId: string,
  conversationId: string | null,
  knownConversationIds: string[],
  question: string,
  messagesBefore: number,
): Promise<Conversation | null> {
  const id =
    conversationId ??
    (await api.conversationsForSlide(slideId)).find((summary) => !knownConversationIds.includes(summary.id))?.id;
  if (!id) return null;
  const conversation = await api.conversation(id);
  const messages = conversation.messages.filter((message) => message.role !== 'system');
  const [asked, answered] = messages.slice(-2);
  const stored =
    messages.length === messagesBefore + 2 &&
    asked?.role === 'user' &&
    asked.content === question &&
    answered?.role === 'assistant';
  return stored ? conversation : null;
}
