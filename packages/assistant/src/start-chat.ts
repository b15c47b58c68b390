import { randomUUID } from 'node:crypto';
import { PathLensError } from '@pathlens/core';
import type { ChatMessage, GenerationEvent, LanguageModel, QueuePlace } from '@pathlens/language-model';
import { countTokensInChunks } from '@pathlens/language-model';
import type { SlideRow } from '@pathlens/store';
import { buildSystemMessage } from './build-prompt.ts';
import { checkCitations, type Citation } from './check-citations.ts';
import { draftNotice } from './draft-notice.ts';
import { describeEvidence, type EvidenceItem } from './evidence.ts';
import { findReadySlide } from './find-ready-slide.ts';
import { fitEvidence } from './fit-evidence.ts';
import { defaultEvidenceLimits, gatherEvidence, type EvidenceSources } from './gather-evidence.ts';
import { mergeFollowUpEvidence, previousEvidence } from './follow-up-evidence.ts';
import { unsupportedNumbers } from './numeric-claims.ts';
import { chooseTemplate } from './reports/load-report-templates.ts';
import type { ReportTemplate } from './reports/report-template.ts';
import { slideFacts } from './slide-facts.ts';

export interface AssistantDependencies extends EvidenceSources {
  languageModel: LanguageModel;
  /** Report templates: the slide's organ's template names the label sets read out as findings. */
  templates: Map<string, ReportTemplate>;
  /**
   * The similarity floors: CHAT_MIN_SIMILARITY for cross-modal evidence (question → slide regions
   * and library images), CHAT_MIN_CAPTION_SIMILARITY for library captions matched by text. When
   * no evidence reaches its floor, the assistant declines.
   */
  minSimilarity: number;
  minCaptionSimilarity: number;
  /** CHAT_MAX_PROMPT_TOKENS: a request whose messages make more is refused (413) before any work. */
  maxPromptTokens?: number;
}

/** The image–text encoder reads at most 77 tokens (~300 characters): embedding more of a long question only costs time. */
const questionCharactersForEvidence = 2_000;

export interface ChatRequest {
  /** The conversation so far as the client sends it; the last message is the user's question. */
  messages: ChatMessage[];
  /** Optional for a follow-up: the conversation's slide is used. */
  slideId?: string | undefined;
  /** Continue a stored conversation; a new one is created when absent. */
  conversationId?: string | undefined;
  maxNewTokens: number;
  temperature: number;
  signal?: AbortSignal | undefined;
  /** A place already taken in the model's queue (see `GenerationRequest.place`). */
  place?: QueuePlace | undefined;
}

export interface StartedChat {
  conversationId: string;
  slideId: string | null;
  evidence: EvidenceItem[];
  modelId: string;
  /**
   * False when no question-dependent evidence reached the similarity floor: `events` then
   * yields a plain statement that the evidence does not support an answer, and no model runs.
   */
  supported: boolean;
  /**
   * `evidence`: PathLens gathered the context. `client`: the request brought its own system
   * message and names no slide or conversation, so it is passed to the model as it is (the
   * client, e.g. another PathLens using this one as its upstream model, did the grounding).
   */
  grounding: 'evidence' | 'client';
  /** The reply as it is generated, ending with the draft notice (unless cancelled), then the finish event. */
  events: AsyncIterable<GenerationEvent>;
  /** Check the answer's citations and numbers, and store the turn. Call once, with the whole answer. */
  complete(answer: string): Promise<{ citations: Citation[]; unsupportedNumbers: string[] }>;
}

/** The answer's closing line, unless the model already said it. */
const noticeLine = `\n\n_${draftNotice}_`;

async function* withNotice(events: AsyncIterable<GenerationEvent>): AsyncIterable<GenerationEvent> {
  let text = '';
  for await (const event of events) {
    if (event.type === 'text') {
      text += event.text;
      yield event;
    } else {
      if (event.finishReason !== 'cancelled' && !/not a diagnosis/i.test(text)) yield { type: 'text', text: noticeLine };
      yield event;
    }
  }
}

async function* declined(reason: string): AsyncIterable<GenerationEvent> {
  yield { type: 'text', text: reason };
  yield { type: 'finish', finishReason: 'stop', promptTokens: 0, completionTokens: 0 };
}

/** Why the assistant declines, in words a user can act on. */
function declineReason(gathered: { bestQuestionSimilarity: number | null; bestCaptionSimilarity: number | null }, floors: { minSimilarity: number; minCaptionSimilarity: number }, slide: SlideRow | null): string {
  const best = gathered.bestQuestionSimilarity;
  const images = best === null ? 'there is no slide region or library image to compare it with' : `no slide region or library image is similar enough to it (best similarity ${best.toFixed(2)}, below the floor of ${floors.minSimilarity.toFixed(2)})`;
  const captions = gathered.bestCaptionSimilarity === null ? '' : `, and no library caption is close enough (best ${gathered.bestCaptionSimilarity.toFixed(2)}, below ${floors.minCaptionSimilarity.toFixed(2)})`;
  const measured = images + captions;
  const hint = slide ? 'Ask about what the slide shows (tissue, cells, regions)' : 'Ask about a slide (send slide_id) or add library pairs';
  return `The available evidence does not support an answer to this question: ${measured}. ${hint}, or a pathologist should review the slide directly.`;
}

/**
 * Ground a chat turn in evidence: find the slide, gather and fit the evidence (a follow-up
 * keeps the evidence its conversation already cited, numbers unchanged, and adds what the new
 * question needs), start the model on a prompt that asks for `[n]` citations — or decline
 * when nothing reaches the similarity floor — and store the turn when it completes.
 *
 * @example
 * const chat = await startChat({ store, textEncoder, languageModel, templates, minSimilarity: 0.1, minCaptionSimilarity: 0.8 }, { messages, slideId, maxNewTokens: 256, temperature: 0 });
 * for await (const event of chat.events) if (event.type === 'text') process.stdout.write(event.text);
 */
export async function startChat(dependencies: AssistantDependencies, request: ChatRequest): Promise<StartedChat> {
  const { store, languageModel } = dependencies;
  const question = request.messages.at(-1);
  if (!question || question.role !== 'user' || !question.content.trim()) {
    throw new PathLensError('invalid_request', 'The last message must be a non-empty message with role "user": it is the question to answer.', { param: 'messages' });
  }
  const history = request.messages.filter((message) => message.role !== 'system');
  const fixedText = buildSystemMessage([]).content + history.map((message) => message.content).join('\n');
  const fixedTokens = await countTokensInChunks(languageModel, fixedText, { stopAbove: dependencies.maxPromptTokens });
  if (dependencies.maxPromptTokens !== undefined && fixedTokens > dependencies.maxPromptTokens) {
    throw new PathLensError(
      'payload_too_large',
      `The messages make more than ${dependencies.maxPromptTokens} prompt tokens (CHAT_MAX_PROMPT_TOKENS); send a shorter conversation.`,
      { param: 'messages', limitTokens: dependencies.maxPromptTokens },
    );
  }
  const existing = request.conversationId ? await store.conversations.findById(request.conversationId) : null;
  if (request.conversationId && !existing) {
    throw new PathLensError('not_found', `No conversation with id ${request.conversationId}; omit conversation_id to start a new one.`, { param: 'conversation_id' });
  }
  if (existing?.slideId && request.slideId && existing.slideId !== request.slideId) {
    throw new PathLensError('invalid_request', `Conversation ${existing.id} is about slide ${existing.slideId}, not ${request.slideId}; omit slide_id or start a new conversation.`, { param: 'slide_id' });
  }
  const slideId = request.slideId ?? existing?.slideId ?? undefined;
  const slide = slideId ? await findReadySlide(store, slideId) : null;
  if (!slide && !existing && request.messages.some((message) => message.role === 'system')) return passThrough(dependencies, request, question);

  const findingLabelSets = slide ? chooseTemplate(dependencies.templates, undefined, slideFacts(slide).organ).finding_label_sets : [];
  const gathered = await gatherEvidence(dependencies, question.content.slice(0, questionCharactersForEvidence), slide, defaultEvidenceLimits, findingLabelSets);
  const earlier = existing ? previousEvidence(await store.conversations.messages(existing.id)) : [];
  const candidates = earlier.length ? mergeFollowUpEvidence(earlier, gathered.items) : gathered.items;
  const budgetTokens = languageModel.contextLengthTokens - request.maxNewTokens - fixedTokens - 64;
  const evidence = fitEvidence(candidates, describeEvidence, (text) => languageModel.countTokens(text), budgetTokens, { keepNumbers: earlier.length > 0 });
  const supported =
    (gathered.bestQuestionSimilarity !== null && gathered.bestQuestionSimilarity >= dependencies.minSimilarity) ||
    (gathered.bestCaptionSimilarity !== null && gathered.bestCaptionSimilarity >= dependencies.minCaptionSimilarity);

  // A new conversation is stored with its messages once the answer is complete, in one transaction.
  const conversation = existing ?? { id: randomUUID(), slideId: slide?.id ?? null, title: question.content.slice(0, 120) };
  const events = supported
    ? withNotice(
        languageModel.generate({
          messages: [buildSystemMessage(evidence), ...history],
          maxNewTokens: request.maxNewTokens,
          temperature: request.temperature,
          signal: request.signal,
          place: request.place,
          slideEmbedding: slide?.embedding ? { vector: Float32Array.from(slide.embedding), encoderId: slide.encoderId, placeholder: '<slide>' } : undefined,
        }),
      )
    : withNotice(declined(declineReason(gathered, dependencies, slide)));

  return {
    conversationId: conversation.id,
    slideId: slide?.id ?? null,
    evidence,
    modelId: languageModel.modelId,
    supported,
    grounding: 'evidence',
    events,
    async complete(answer) {
      const citations = checkCitations(answer, evidence);
      const numbers = unsupportedNumbers(answer, evidence.map(describeEvidence));
      const newMessages = existing ? [question] : history;
      const stored = [
        ...newMessages.map((message) => ({ role: message.role, content: message.content })),
        { role: 'assistant' as const, content: answer, model: supported ? languageModel.modelId : null, evidence, citations },
      ];
      if (existing) await store.conversations.append(conversation.id, stored);
      else await store.conversations.createWithMessages(conversation, stored);
      return { citations, unsupportedNumbers: numbers };
    },
  };
}

/** A request that brought its own context (a system message, no slide): the model answers it as it is. */
async function passThrough(dependencies: AssistantDependencies, request: ChatRequest, question: ChatMessage): Promise<StartedChat> {
  const { store, languageModel } = dependencies;
  const conversation = { id: randomUUID(), slideId: null, title: question.content.slice(0, 120) };
  const events = withNotice(languageModel.generate({ messages: request.messages, maxNewTokens: request.maxNewTokens, temperature: request.temperature, signal: request.signal, place: request.place }));
  return {
    conversationId: conversation.id,
    slideId: null,
    evidence: [],
    modelId: languageModel.modelId,
    supported: true,
    grounding: 'client',
    events,
    async complete(answer) {
      await store.conversations.createWithMessages(conversation, [
        ...request.messages.map((message) => ({ role: message.role, content: message.content })),
        { role: 'assistant' as const, content: answer, model: languageModel.modelId, evidence: [], citations: [] },
      ]);
      return { citations: [], unsupportedNumbers: [] };
    },
  };
}
