import { randomUUID } from 'node:crypto';
import { conversationFilesDirectory, PathLensError } from '@pathlens/core';
import type {
  ChatMessage,
  GenerationEvent,
  LanguageModel,
  MessageImage,
  QueuePlace,
  SlideEmbeddingInput,
} from '@pathlens/language-model';
import { countTokensInChunks } from '@pathlens/language-model';
import type { ImageEncoder } from '@pathlens/encoders';
import type { SlideRow } from '@pathlens/store';
import { questionImageEvidence, storeQuestionImages } from './question-images.ts';
import { rankEvidence } from './rank-evidence.ts';
import { buildSystemMessage } from './build-prompt.ts';
import { checkCitations, type Citation } from './check-citations.ts';
import { draftNotice } from './draft-notice.ts';
import { describeEvidence, type EvidenceItem, type UnrankedEvidence } from './evidence.ts';
import { findReadySlide } from './find-ready-slide.ts';
import { fitEvidence } from './fit-evidence.ts';
import { sharePromptBudget } from './prompt-budget.ts';
import { defaultEvidenceLimits, gatherEvidence, type EvidenceSources } from './gather-evidence.ts';
import { mergeFollowUpEvidence, previousEvidence } from './follow-up-evidence.ts';
import { flagUnsupportedNumbers } from './numeric-claims.ts';
import { chooseTemplate } from './reports/load-report-templates.ts';
import type { ReportTemplate } from './reports/report-template.ts';
import { slideFacts } from './slide-facts.ts';
import { asksAboutSlideFacts } from './slide-fact-question.ts';

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
  /** Embeds pictures asked about; without it a question with pictures is refused. */
  imageEncoder?: ImageEncoder | undefined;
  /** DATA_DIR: pictures asked about are stored under `conversations/<conversation id>/`. */
  dataDir?: string | undefined;
  /** JPEG bytes of a slide region, for showing evidence regions to a vision-capable model. */
  regionPicture?: RegionPicture | undefined;
  /** CHAT_MAX_PROMPT_TOKENS: a request whose messages make more is refused (413) before any work. */
  maxPromptTokens?: number;
}

/** A square level-0 region of a slide as a JPEG at most `outputSidePx` wide. */
export type RegionPicture = (
  slide: SlideRow,
  region: { xLevel0: number; yLevel0: number; sizeLevel0Px: number },
  outputSidePx: number,
) => Promise<Uint8Array>;

/** Side of the slide-region pictures a vision model is shown, in pixels. */
const regionPictureSidePx = 224;

/** The image–text encoder reads at most 77 tokens (~300 characters): embedding more of a long question only costs time.
 *
 */
const questionCharactersForEvidence = 2_000;

export interface ChatRequest {
  /** The conversation so far as the client sends it; the last message is the user's question. */
  messages: ChatMessage[];
  /** Optional for a follow-up: the conversation's slide is used. */
  slideId?: string | undefined;
  /** Continue a stored conversation; a new one is created when absent. */
  conversationId?: string | undefined;
  maxNewTokens: number;
  /** See `GenerationRequest.minNewTokens`. */
  minNewTokens?: number | undefined;
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
  /**
   * Check the answer's citations and numbers, and store the turn as the user sees it (numbers no
   * evidence gives replaced by "[number not supported by evidence]"). Call once, with the whole answer.
   */
  complete(answer: string): Promise<CheckedAnswer>;
}

export interface CheckedAnswer {
  citations: Citation[];
  /** Numbers in the answer that no evidence gives, as the model wrote them. */
  unsupportedNumbers: string[];
  /** The answer as shown and stored: each unsupported number replaced by `unsupportedNumberFlag`. */
  shownAnswer: string;
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
      if (event.finishReason !== 'cancelled' && !/not a diagnosis/i.test(text))
        yield { type: 'text', text: noticeLine };
      yield event;
    }
  }
}

async function* declined(reason: string): AsyncIterable<GenerationEvent> {
  yield { type: 'text', text: reason };
  yield { type: 'finish', finishReason: 'stop', promptTokens: 0, completionTokens: 0 };
}

/** Why the assistant declines, in words a user can act on. */
function declineReason(
  gathered: { bestQuestionSimilarity: number | null; bestCaptionSimilarity: number | null },
  floors: { minSimilarity: number; minCaptionSimilarity: number },
  slide: SlideRow | null,
): string {
  const best = gathered.bestQuestionSimilarity;
  const images =
    best === null
      ? 'there is no slide region or library image to compare it with'
      : `no slide region or library image is similar enough to it (best similarity ${best.toFixed(2)}, below the floor of ${floors.minSimilarity.toFixed(2)})`;
  const captions =
    gathered.bestCaptionSimilarity === null
      ? ''
      : `, and no library caption is close enough (best ${gathered.bestCaptionSimilarity.toFixed(2)}, below ${floors.minCaptionSimilarity.toFixed(2)})`;
  const measured = images + captions;
  const hint = slide
    ? 'Ask about what the slide shows (tissue, cells, regions)'
    : 'Ask about a slide (send slide_id) or add library pairs';
  return `The available evidence does not support an answer to this question: ${measured}. ${hint}, or a pathologist should review the slide directly.`;
}

/**
 * Ground a chat turn in evidence: find the slide, gather and fit the evidence (a follow-up
 * keeps the evidence its conversation already cited, numbers unchanged, and adds what the new
 * question needs), start the model on a prompt that asks for `[n]` citations — or decline
 * when nothing reaches the similarity floor — and store the turn when it completes.
 *
 * @example
 * const chat = await startChat({ store, textEncoder, languageModel, templates, minSimilarity: 0.1,
 * minCaptionSimilarity: 0.8 }, { messages, slideId, maxNewTokens: 256, temperature: 0 });
 * for await (const event of chat.events) if (event.type === 'text') process.stdout.write(event.text);
 */
export async function startChat(dependencies: AssistantDependencies, request: ChatRequest): Promise<StartedChat> {
  const { store, languageModel } = dependencies;
  const question = request.messages.at(-1);
  if (!question || question.role !== 'user' || (!question.content.trim() && !question.images?.length)) {
    throw new PathLensError(
      'invalid_request',
      'The last message must be a non-empty message with role "user": it is the question to answer.',
      { param: 'messages' },
    );
  }
  const history = request.messages
    .filter((message) => message.role !== 'system')
    .map(({ role, content }) => ({ role, content }));
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
    throw new PathLensError(
      'not_found',
      `No conversation with id ${request.conversationId}; omit conversation_id to start a new one.`,
      { param: 'conversation_id' },
    );
  }
  if (existing?.slideId && request.slideId && existing.slideId !== request.slideId) {
    throw new PathLensError(
      'invalid_request',
      `Conversation ${existing.id} is about slide ${existing.slideId}, not ${request.slideId}; omit slide_id or start a new conversation.`,
      { param: 'slide_id' },
    );
  }
  const slideId = request.slideId ?? existing?.slideId ?? undefined;
  const slide = slideId ? await findReadySlide(store, slideId) : null;
  if (!slide && !existing && request.messages.some((message) => message.role === 'system'))
    return passThrough(dependencies, request, question);

  const questionImages = question.images ?? [];
  if (questionImages.length > 0 && (!dependencies.imageEncoder || !dependencies.dataDir)) {
    throw new PathLensError(
      'invalid_request',
      'This server cannot take pictures in chat (no image encoder or data folder); send text only.',
      { param: 'messages' },
    );
  }
  // A new conversation is stored with its messages once the answer is complete, in one transaction.
  const conversation = existing ?? {
    id: randomUUID(),
    slideId: slide?.id ?? null,
    title: question.content.slice(0, 120),
  };
  const picturesShown = languageModel.acceptsImages ? questionImages.slice(0, languageModel.maxImagesPerRequest) : [];
  const pictureEvidence = questionImages.length
    ? await questionImageEvidence(
        { store, imageEncoder: dependencies.imageEncoder!, findings: dependencies.findings },
        conversation.id,
        questionImages,
        await storeQuestionImages(
          conversationFilesDirectory(dependencies.dataDir!, conversation.id),
          Date.now().toString(36),
          questionImages,
        ),
        picturesShown.length > 0,
        {
          captions: defaultEvidenceLimits.captionsPerRegion,
          pairs: 2,
          patches: 2,
          findingsPerLabelSet: defaultEvidenceLimits.findingsPerLabelSet,
          labelSetIds: chooseTemplate(dependencies.templates, undefined, slide ? slideFacts(slide).organ : null)
            .finding_label_sets,
          slideId: slide?.id,
        },
      )
    : { items: [], embeddings: [] };

  const findingLabelSets = slide
    ? chooseTemplate(dependencies.templates, undefined, slideFacts(slide).organ).finding_label_sets
    : [];
  const gathered = await gatherEvidence(
    dependencies,
    question.content.slice(0, questionCharactersForEvidence),
    slide,
    defaultEvidenceLimits,
    findingLabelSets,
  );
  const gatheredItems = pictureEvidence.items.length
    ? rankEvidence([...pictureEvidence.items, ...gathered.items.map(withoutRank)])
    : gathered.items;
  const earlier = existing ? previousEvidence(await store.conversations.messages(existing.id)) : [];
  const candidates = earlier.length ? mergeFollowUpEvidence(earlier, gatheredItems) : gatheredItems;
  const showsRegions = slide !== null && languageModel.acceptsImages && dependencies.regionPicture !== undefined;
  const budget = sharePromptBudget({
    contextLengthTokens: languageModel.contextLengthTokens,
    maxNewTokens: request.maxNewTokens,
    fixedTokens,
    promptTokensPerImage: languageModel.promptTokensPerImage,
    userPictures: picturesShown.length,
    regionPictureSlots: showsRegions ? Math.max(0, languageModel.maxImagesPerRequest - picturesShown.length) : 0,
    slideTokens: slide && languageModel.acceptsSlideEmbedding ? languageModel.slideTokenCount : 0,
  });
  const countTokens = (text: string) => languageModel.countTokens(text);
  const evidence = fitEvidence(candidates, describeEvidence, countTokens, budget.evidenceTokens, {
    keepNumbers: earlier.length > 0,
  });
  // A question about the slide's own facts is answered from them, whatever its words' similarity to the images.
  const aboutSlideFacts = slide !== null && asksAboutSlideFacts(question.content);
  const supported =
    pictureEvidence.items.length > 0 ||
    aboutSlideFacts ||
    (gathered.bestQuestionSimilarity !== null && gathered.bestQuestionSimilarity >= dependencies.minSimilarity) ||
    (gathered.bestCaptionSimilarity !== null && gathered.bestCaptionSimilarity >= dependencies.minCaptionSimilarity);

  // The pictures the model sees, each introduced by its evidence number, go with the question:
  // the user's own, then the slide's evidence regions, within the model's picture limit.
  const userPictures = evidence.flatMap((item) =>
    item.kind === 'image' && item.shownToModel
      ? [{ ...picturesShown[item.imageNumber - 1]!, label: `Evidence [${item.n}]:` }]
      : [],
  );
  const regionPictures =
    slide && showsRegions
      ? await evidenceRegionPictures(dependencies.regionPicture!, slide, evidence, budget.regionPictures)
      : [];
  const shownPictures = [...userPictures, ...regionPictures];
  const modelHistory = history.map((message, index) =>
    index === history.length - 1 && shownPictures.length ? { ...message, images: shownPictures } : message,
  );
  const slideTokens =
    slide && languageModel.acceptsSlideEmbedding ? await slidePatches(dependencies, slide) : undefined;
  const events = supported
    ? withNotice(
        languageModel.generate({
          messages: [buildSystemMessage(evidence), ...modelHistory],
          maxNewTokens: request.maxNewTokens,
          minNewTokens: request.minNewTokens,
          temperature: request.temperature,
          signal: request.signal,
          place: request.place,
          slideEmbedding: slideTokens,
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
      const flagged = flagUnsupportedNumbers(answer, evidence.map(describeEvidence));
      const newMessages = existing ? [question] : history;
      const stored = [
        ...newMessages.map((message) => ({ role: message.role, content: message.content })),
        {
          role: 'assistant' as const,
          content: flagged.text,
          model: supported ? languageModel.modelId : null,
          evidence,
          citations,
        },
      ];
      if (existing) await store.conversations.append(conversation.id, stored);
      else await store.conversations.createWithMessages(conversation, stored);
      return { citations, unsupportedNumbers: flagged.replaced, shownAnswer: flagged.text };
    },
  };
}

/** Pictures of the slide regions among the evidence (question-relevant patches, then prototypes' representatives),
 * labelled by number.
 */
async function evidenceRegionPictures(
  regionPicture: RegionPicture,
  slide: SlideRow,
  evidence: EvidenceItem[],
  limit: number,
): Promise<MessageImage[]> {
  const regions = evidence.flatMap((item) =>
    (item.kind === 'patch' || item.kind === 'prototype') &&
    item.slideId === slide.id &&
    item.xLevel0 !== null &&
    item.yLevel0 !== null &&
    item.sizeLevel0Px !== null
      ? [{ n: item.n, xLevel0: item.xLevel0, yLevel0: item.yLevel0, sizeLevel0Px: item.sizeLevel0Px }]
      : [],
  );
  return Promise.all(
    regions.slice(0, Math.max(0, limit)).map(async (region) => ({
      bytes: await regionPicture(slide, region, regionPictureSidePx),
      mediaType: 'image/jpeg',
      label: `Evidence [${region.n}]:`,
    })),
  );
}

/** Most patch embeddings read for a slide encoder; it samples further down to its own limit. */
const maxSlidePatches = 4096;

/** The slide's stored patch embeddings, for a model with a slide encoder (SlideChat-style). */
async function slidePatches(
  dependencies: AssistantDependencies,
  slide: SlideRow,
): Promise<SlideEmbeddingInput | undefined> {
  const rows = await dependencies.store.search.slidePatchEmbeddings(slide.id, maxSlidePatches);
  if (rows.length === 0) return undefined;
  const dimension = rows[0]!.embedding.length;
  const patchEmbeddings = new Float32Array(rows.length * dimension);
  const patchCoordinatesLevel0 = new Float32Array(rows.length * 2);
  rows.forEach((row, index) => {
    patchEmbeddings.set(row.embedding, index * dimension);
    patchCoordinatesLevel0.set([row.xLevel0, row.yLevel0], index * 2);
  });
  return { patchEmbeddings, dimension, patchCoordinatesLevel0, encoderId: slide.encoderId, placeholder: '<slide>' };
}

/** An item's fields before ranking, so gathered and picture evidence are numbered together. */
function withoutRank(item: EvidenceItem): UnrankedEvidence {
  const { n: _n, relevance: _relevance, ...rest } = item;
  return rest as UnrankedEvidence;
}

/** A request that brought its own context (a system message, no slide): the model answers it as it is. */
async function passThrough(
  dependencies: AssistantDependencies,
  request: ChatRequest,
  question: ChatMessage,
): Promise<StartedChat> {
  const { store, languageModel } = dependencies;
  const conversation = { id: randomUUID(), slideId: null, title: question.content.slice(0, 120) };
  const pictures = request.messages.flatMap((message) => message.images ?? []);
  if (pictures.length && dependencies.dataDir) {
    await storeQuestionImages(
      conversationFilesDirectory(dependencies.dataDir, conversation.id),
      Date.now().toString(36),
      pictures,
    ); // kept for audit
  }
  const events = withNotice(
    languageModel.generate({
      messages: request.messages,
      maxNewTokens: request.maxNewTokens,
      minNewTokens: request.minNewTokens,
      temperature: request.temperature,
      signal: request.signal,
      place: request.place,
    }),
  );
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
      return { citations: [], unsupportedNumbers: [], shownAnswer: answer };
    },
  };
}
