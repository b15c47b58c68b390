import { PathLensError } from '@pathlens/core';
import type { TextEncoder } from '@pathlens/encoders';
import type { ChatMessage, GenerationEvent, LanguageModel } from '@pathlens/language-model';
import type { Store } from '@pathlens/store';
import { buildSystemMessage } from './build-prompt.ts';
import { checkCitations, type Citation } from './check-citations.ts';
import { describeEvidence, type EvidenceItem } from './evidence.ts';
import { fitEvidence } from './fit-evidence.ts';
import { gatherEvidence } from './gather-evidence.ts';

export interface ChatRequest {
  /** The conversation so far as the client sends it; the last message is the user's question. */
  messages: ChatMessage[];
  slideId?: string | undefined;
  /** Continue a stored conversation; a new one is created when absent. */
  conversationId?: string | undefined;
  maxNewTokens: number;
  temperature: number;
  signal?: AbortSignal | undefined;
}

export interface StartedChat {
  conversationId: string;
  evidence: EvidenceItem[];
  modelId: string;
  /** The model's reply as it is generated. */
  events: AsyncIterable<GenerationEvent>;
  /** Check the answer's citations and store the turn. Call once, with the whole answer. */
  complete(answer: string): Promise<{ citations: Citation[] }>;
}

/**
 * Ground a chat turn in evidence: find the slide, gather and fit the evidence, start the
 * model on a prompt that asks for `[n]` citations, and store the turn when it completes.
 */
export async function startChat(dependencies: { store: Store; textEncoder: TextEncoder; languageModel: LanguageModel }, request: ChatRequest): Promise<StartedChat> {
  const { store, languageModel } = dependencies;
  const question = request.messages.at(-1);
  if (!question || question.role !== 'user' || !question.content.trim()) {
    throw new PathLensError('invalid_request', 'The last message must be a non-empty message with role "user": it is the question to answer.');
  }
  const slide = request.slideId ? await store.slides.findById(request.slideId) : null;
  if (request.slideId && !slide) throw new PathLensError('slide_not_found', `No slide with id ${request.slideId}. List slides with GET /v1/slides.`, { slideId: request.slideId });
  if (slide && slide.status !== 'ready') {
    throw new PathLensError('slide_not_ready', `Slide ${slide.id} is ${slide.status}${slide.failureReason ? ` (${slide.failureReason})` : ''}; ask again when GET /v1/slides/${slide.id} says "ready".`, { slideId: slide.id, status: slide.status });
  }
  const conversation = request.conversationId
    ? await store.conversations.findById(request.conversationId)
    : await store.conversations.create({ slideId: slide?.id ?? null, title: question.content.slice(0, 120) });
  if (!conversation) throw new PathLensError('not_found', `No conversation with id ${request.conversationId}; omit conversation_id to start a new one.`);

  const gathered = await gatherEvidence(dependencies, question.content, slide ?? null);
  const history = request.messages.filter((message) => message.role !== 'system');
  const fixedTokens = languageModel.countTokens(buildSystemMessage([], slide ?? null).content + history.map((message) => message.content).join('\n'));
  const budgetTokens = languageModel.contextLengthTokens - request.maxNewTokens - fixedTokens - 64;
  const evidence = fitEvidence(gathered, (item) => describeEvidence(item, slide?.mppX ?? null), (text) => languageModel.countTokens(text), budgetTokens);

  const events = languageModel.generate({
    messages: [buildSystemMessage(evidence, slide ?? null), ...history],
    maxNewTokens: request.maxNewTokens,
    temperature: request.temperature,
    signal: request.signal,
    slideEmbedding: undefined,
  });

  return {
    conversationId: conversation.id,
    evidence,
    modelId: languageModel.modelId,
    events,
    async complete(answer) {
      const citations = checkCitations(answer, evidence);
      const newMessages = request.conversationId ? [question] : history;
      await store.conversations.append(conversation.id, [
        ...newMessages.map((message) => ({ role: message.role, content: message.content })),
        { role: 'assistant' as const, content: answer, model: languageModel.modelId, evidence, citations },
      ]);
      return { citations };
    },
  };
}
