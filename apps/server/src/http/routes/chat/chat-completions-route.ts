import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import {
  evidenceKey,
  startChat,
  unsupportedNumberFlag,
  type CheckedAnswer,
  type StartedChat,
} from '@pathlens/assistant';
import { PathLensError, quotePrefix, type Config } from '@pathlens/core';
import type { FinishReason, GenerationEvent, QueuePlace } from '@pathlens/language-model';
import type { AppEnvironment } from '../../app-environment.ts';
import { asPathLensError, errorBody } from '../../error-response.ts';
import { parseJson } from '../../parse-request.ts';
import { beginAudit, clientClosedStatus, type RequestAudit } from '../audit/request-audit.ts';
import { chatCompletionRequest, defaultMaxTokens, type ChatCompletionRequest } from './chat-completion-request.ts';
import { chatBodyLimit, checkChatLimits } from './chat-request-limits.ts';
import { awaitFirstEvent } from './await-first-event.ts';
import { regionJpegRenderer } from '../evidence/render-region-jpeg.ts';
import { chatExtensionFields } from './chat-extension-fields.ts';
import { guardedFetchImage, resolveChatImages, type ChatImageLimits } from './resolve-chat-images.ts';

const chatImageLimits = (config: Config): ChatImageLimits => ({
  maxImages: config.chatMaxImages,
  maxBytes: config.chatMaxImageMegabytes * 1e6,
  maxPixels: config.chatMaxImageMegapixels * 1e6,
  urlHosts: config.chatImageUrlHosts,
});

const openAiFinishReason = (reason: FinishReason) => (reason === 'length' ? 'length' : 'stop');
type Finish = Extract<GenerationEvent, { type: 'finish' }>;

/** The last text of a streamed answer whose numbers no evidence gives. */
const streamedFlagNote = (numbers: string[]) => `\n\n${unsupportedNumberFlag}: ${numbers.join(', ')}`;

/** The audit keeps the model's own text when what the user saw was changed. */
function noteUnsupportedNumbers(audit: RequestAudit, answer: string, checked: CheckedAnswer) {
  if (checked.unsupportedNumbers.length)
    audit.note({ unsupportedNumbers: checked.unsupportedNumbers, originalText: answer });
}

/**
 * `POST /v1/chat/completions`: OpenAI-compatible, with a top-level `slide_id`. The request
 * takes its place in the model's bounded queue first (a full queue is a 429 with
 * `retry-after`, before any work), then the answer is grounded in numbered evidence and
 * returned with it; streamed as `chat.completion.chunk` events (headers go out with the first
 * token) ending with one chunk that carries the evidence, then `data: [DONE]`. A client that disconnects stops
 * generation (or
 * leaves the queue); every request is audited.
 */
export function chatCompletionsRoute() {
  return new Hono<AppEnvironment>().post('/v1/chat/completions', chatBodyLimit(), async (context) => {
    const runtime = context.get('runtime');
    const { languageModel } = runtime;
    const audit = beginAudit(runtime, context, 'chat');
    audit.note({ model: languageModel.modelId });
    const abort = new AbortController();
    const clientSignal = context.req.raw.signal;
    if (clientSignal?.aborted) abort.abort();
    clientSignal?.addEventListener('abort', () => abort.abort(), { once: true });

    let place: QueuePlace | undefined;
    let request: ChatCompletionRequest;
    let chat: StartedChat;
    let events: AsyncIterable<GenerationEvent>;
    try {
      request = await parseJson(context, chatCompletionRequest);
      checkChatLimits(request, runtime.config);
      audit.note({ slideId: request.slide_id ?? null, conversationId: request.conversation_id ?? null });
      if (request.model && request.model !== languageModel.modelId && request.model !== 'pathlens') {
        throw new PathLensError(
          'model_not_found',
          `Model ${quotePrefix(request.model)} is not served here; use "${languageModel.modelId}" (or "pathlens"). GET /v1/models lists them.`,
          { param: 'model' },
        );
      }
      const maxNewTokens = request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens;
      if ((request.min_tokens ?? 0) > maxNewTokens) {
        throw new PathLensError(
          'invalid_request',
          `min_tokens (${request.min_tokens}) is more than the answer may have (${maxNewTokens}); lower min_tokens or raise max_tokens.`,
          { param: 'min_tokens' },
        );
      }
      const questionImages = await resolveChatImages(
        request.messages.at(-1)?.imageReferences ?? [],
        chatImageLimits(runtime.config),
        guardedFetchImage({
          allowedHosts: runtime.config.chatImageUrlHosts,
          timeoutMs: runtime.config.fetchTimeoutSeconds * 1000,
        }),
      );
      const messages = request.messages.map(({ role, content }, index) =>
        index === request.messages.length - 1 && questionImages.length
          ? { role, content, images: questionImages }
          : { role, content },
      );
      place = languageModel.queue.join(abort.signal); // a full queue is a 429 before any work is done
      chat = await startChat(
        {
          store: runtime.store,
          textEncoder: runtime.textEncoder,
          imageEncoder: runtime.imageEncoder,
          dataDir: runtime.config.dataDir,
          regionPicture: regionJpegRenderer(runtime.openSlide),
          languageModel,
          findings: runtime.findings,
          templates: runtime.reportTemplates,
          minSimilarity: runtime.config.chatMinSimilarity,
          minCaptionSimilarity: runtime.config.chatMinCaptionSimilarity,
          maxPromptTokens: runtime.config.chatMaxPromptTokens,
        },
        {
          messages,
          slideId: request.slide_id,
          conversationId: request.conversation_id,
          maxNewTokens,
          minNewTokens: request.min_tokens,
          temperature: request.temperature,
          signal: abort.signal,
          place,
        },
      );
      if (!chat.supported) place.leave(); // declined: the model is not needed
      audit.note({
        slideId: chat.slideId,
        conversationId: chat.conversationId,
        evidenceIds: chat.evidence.map(evidenceKey),
      });
      // waits for the model's turn: a failure before any text is an HTTP error
      events = await awaitFirstEvent(chat.events);
    } catch (error) {
      place?.leave();
      await audit.fail(error);
      throw error;
    }
    const heldPlace = place;

    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = chat.modelId;

    if (!request.stream) {
      let answer = '';
      let finish: Finish = { type: 'finish', finishReason: 'stop', promptTokens: 0, completionTokens: 0 };
      try {
        for await (const event of events) {
          if (event.type === 'text') answer += event.text;
          else finish = event;
        }
      } catch (error) {
        await audit.fail(error);
        throw error;
      } finally {
        heldPlace.leave();
      }
      if (finish.finishReason === 'cancelled' || abort.signal.aborted) {
        await audit.finish(clientClosedStatus);
        return context.body(null, 204); // nobody is listening; the turn is not stored
      }
      const checked = await chat.complete(answer);
      noteUnsupportedNumbers(audit, answer, checked);
      await audit.finish(200);
      return context.json({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: checked.shownAnswer },
            finish_reason: openAiFinishReason(finish.finishReason),
            logprobs: null,
          },
        ],
        usage: {
          prompt_tokens: finish.promptTokens,
          completion_tokens: finish.completionTokens,
          total_tokens: finish.promptTokens + finish.completionTokens,
        },
        ...chatExtensionFields(runtime, chat, checked),
      });
    }

    return streamSSE(context, async (stream) => {
      stream.onAbort(() => abort.abort());
      const chunk = (
        delta: Record<string, unknown>,
        finishReason: string | null,
        extra: Record<string, unknown> = {},
      ) =>
        stream.writeSSE({
          data: JSON.stringify({
            id,
            object: 'chat.completion.chunk',
            created,
            model,
            choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
            ...extra,
          }),
        });
      let answer = '';
      let status = 200;
      let stored = false; // a client that leaves after the turn is stored did not cancel it
      try {
        await chunk({ role: 'assistant', content: '' }, null);
        let finish: Finish = { type: 'finish', finishReason: 'stop', promptTokens: 0, completionTokens: 0 };
        for await (const event of events) {
          if (event.type === 'text') {
            answer += event.text;
            await chunk({ content: event.text }, null);
          } else finish = event;
        }
        if (finish.finishReason === 'cancelled' || abort.signal.aborted) {
          status = clientClosedStatus;
          return;
        }
        const checked = await chat.complete(answer);
        stored = true;
        noteUnsupportedNumbers(audit, answer, checked);
        // The streamed text cannot be taken back: the flag follows it, naming each number.
        if (checked.unsupportedNumbers.length)
          await chunk({ content: streamedFlagNote(checked.unsupportedNumbers) }, null);
        await chunk({}, openAiFinishReason(finish.finishReason), chatExtensionFields(runtime, chat, checked));
        if (request.stream_options?.include_usage) {
          const usage = {
            prompt_tokens: finish.promptTokens,
            completion_tokens: finish.completionTokens,
            total_tokens: finish.promptTokens + finish.completionTokens,
          };
          await stream.writeSSE({
            data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage }),
          });
        }
        await stream.writeSSE({ data: '[DONE]' });
      } catch (error) {
        // Headers are sent: the failure travels in the stream, in OpenAI's error envelope.
        const pathLensError = asPathLensError(error);
        status = errorBody(pathLensError).status;
        if (pathLensError.code === 'internal_error')
          runtime.logger.error('chat stream failed', { error: String((error as Error).stack ?? error) });
        if (!abort.signal.aborted) {
          await stream.writeSSE({ data: JSON.stringify(errorBody(pathLensError).body) });
          await stream.writeSSE({ data: '[DONE]' });
        }
      } finally {
        heldPlace.leave();
        await audit.finish(abort.signal.aborted && !stored ? clientClosedStatus : status);
      }
    });
  });
}
