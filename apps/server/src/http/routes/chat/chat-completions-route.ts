import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { startChat, draftNotice, type StartedChat } from '@pathlens/assistant';
import { PathLensError } from '@pathlens/core';
import type { FinishReason } from '@pathlens/language-model';
import type { AppEnvironment } from '../../app-environment.ts';
import { asPathLensError, errorBody } from '../../error-response.ts';
import { parseJson } from '../../parse-request.ts';
import type { Runtime } from '../../../runtime/runtime.ts';
import { chatCompletionRequest, defaultMaxTokens } from './chat-completion-request.ts';

const openAiFinishReason = (reason: FinishReason) => (reason === 'length' ? 'length' : 'stop');

/** Top-level fields PathLens adds to OpenAI's shapes; standard clients ignore them. */
function extensionFields(runtime: Runtime, chat: StartedChat, citations: unknown[]) {
  return {
    conversation_id: chat.conversationId,
    evidence: chat.evidence,
    citations,
    notice: draftNotice,
    warnings: runtime.models.demoWarning ? [runtime.models.demoWarning] : [],
  };
}

/**
 * `POST /v1/chat/completions`: OpenAI-compatible, with a top-level `slide_id`. The answer is
 * grounded in numbered evidence and returned with it; streamed as `chat.completion.chunk`
 * events ending with one chunk that carries the evidence, then `data: [DONE]`.
 */
export function chatCompletionsRoute() {
  return new Hono<AppEnvironment>().post('/v1/chat/completions', async (context) => {
    const runtime = context.get('runtime');
    const request = await parseJson(context, chatCompletionRequest);
    if (request.model && request.model !== runtime.languageModel.modelId && request.model !== 'pathlens') {
      throw new PathLensError('model_not_found', `Model "${request.model}" is not served here; use "${runtime.languageModel.modelId}" (or "pathlens"). GET /v1/models lists them.`, { param: 'model' });
    }
    const abort = new AbortController();
    context.req.raw.signal?.addEventListener('abort', () => abort.abort());
    const chat = await startChat(runtime, {
      messages: request.messages,
      slideId: request.slide_id,
      conversationId: request.conversation_id,
      maxNewTokens: request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens,
      temperature: request.temperature,
      signal: abort.signal,
    });
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = chat.modelId;

    if (!request.stream) {
      let answer = '';
      let finish: { finishReason: FinishReason; promptTokens: number; completionTokens: number } = { finishReason: 'stop', promptTokens: 0, completionTokens: 0 };
      for await (const event of chat.events) {
        if (event.type === 'text') answer += event.text;
        else finish = event;
      }
      const { citations } = await chat.complete(answer);
      return context.json({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: openAiFinishReason(finish.finishReason), logprobs: null }],
        usage: { prompt_tokens: finish.promptTokens, completion_tokens: finish.completionTokens, total_tokens: finish.promptTokens + finish.completionTokens },
        ...extensionFields(runtime, chat, citations),
      });
    }

    return streamSSE(context, async (stream) => {
      stream.onAbort(() => abort.abort());
      const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) =>
        stream.writeSSE({ data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }], ...extra }) });
      let answer = '';
      try {
        await chunk({ role: 'assistant', content: '' }, null);
        let finishReason: FinishReason = 'stop';
        for await (const event of chat.events) {
          if (event.type === 'text') {
            answer += event.text;
            await chunk({ content: event.text }, null);
          } else finishReason = event.finishReason;
        }
        if (finishReason === 'cancelled') return;
        const { citations } = await chat.complete(answer);
        await chunk({}, openAiFinishReason(finishReason), extensionFields(runtime, chat, citations));
      } catch (error) {
        const pathLensError = asPathLensError(error);
        if (pathLensError.code === 'internal_error') runtime.logger.error('chat stream failed', { error: String((error as Error).stack ?? error) });
        await stream.writeSSE({ data: JSON.stringify(errorBody(pathLensError).body) });
      }
      await stream.writeSSE({ data: '[DONE]' });
    });
  });
}
