import path from 'node:path';
import { readFile } from 'node:fs/promises';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  InterruptableStoppingCriteria,
  StoppingCriteriaList,
  TextStreamer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { AsyncEventQueue } from '../async-event-queue.ts';
import type { GenerationEvent, GenerationRequest, LanguageModel } from '../language-model.ts';
import { GenerationQueue } from '../queue/generation-queue.ts';
import { takeTurn } from '../queue/take-turn.ts';

/** Requests that may wait for a local model when the caller does not say (CHAT_QUEUE_SIZE). */
export const defaultQueueSize = 8;

/**
 * A causal LM with ONNX weights (`onnx/model*.onnx`), run in-process by transformers.js.
 * One generation at a time per loaded model; the rest wait in its bounded FIFO `queue`.
 */
export class TransformersLanguageModel implements LanguageModel {
  readonly provider = 'local';
  readonly acceptsSlideEmbedding = false;
  readonly queue: GenerationQueue;

  private constructor(
    readonly modelId: string,
    readonly contextLengthTokens: number,
    readonly demo: boolean,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    queueSize: number,
  ) {
    this.queue = new GenerationQueue({ concurrency: 1, maxWaiting: queueSize });
  }

  /**
   * @example
   * const model = await TransformersLanguageModel.load({ modelsDir: './models', modelId: 'onnx-community/Qwen2.5-0.5B-Instruct', dtype: 'q4' });
   */
  static async load(options: { modelsDir: string; modelId: string; dtype?: string; contextLengthTokens?: number; demo?: boolean; queueSize?: number }): Promise<TransformersLanguageModel> {
    env.allowRemoteModels = false;
    env.localModelPath = options.modelsDir.endsWith('/') ? options.modelsDir : options.modelsDir + '/';
    const config = JSON.parse(await readFile(path.join(options.modelsDir, options.modelId, 'config.json'), 'utf8')) as { max_position_embeddings?: number };
    const tokenizer = await AutoTokenizer.from_pretrained(options.modelId, { local_files_only: true });
    const model = await AutoModelForCausalLM.from_pretrained(options.modelId, { dtype: (options.dtype ?? 'fp32') as 'fp32', local_files_only: true });
    const contextLengthTokens = options.contextLengthTokens ?? config.max_position_embeddings ?? 2048;
    return new TransformersLanguageModel(options.modelId, contextLengthTokens, options.demo ?? false, tokenizer, model, options.queueSize ?? defaultQueueSize);
  }

  countTokens(text: string): number {
    return this.tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  async *generate(request: GenerationRequest): AsyncIterable<GenerationEvent> {
    const place = await takeTurn(this.queue, request);
    if (!place) {
      yield { type: 'finish', finishReason: 'cancelled', promptTokens: 0, completionTokens: 0 };
      return;
    }
    try {
      const inputs = this.tokenizer.apply_chat_template(request.messages, { add_generation_prompt: true, return_dict: true }) as {
        input_ids: Tensor;
        attention_mask: Tensor;
      };
      const promptTokens = inputs.input_ids.dims.at(-1)!;
      const queue = new AsyncEventQueue<string>();
      const interrupt = new InterruptableStoppingCriteria();
      const stoppingCriteria = new StoppingCriteriaList();
      stoppingCriteria.push(interrupt);
      const onAbort = () => interrupt.interrupt();
      request.signal?.addEventListener('abort', onAbort);
      let completionTokens = 0;
      const streamer = new TextStreamer(this.tokenizer, {
        skip_prompt: true,
        skip_special_tokens: true,
        callback_function: (text: string) => {
          if (text) queue.push(text);
        },
        token_callback_function: () => {
          completionTokens++;
        },
      });
      const maxNewTokens = Math.max(1, Math.min(request.maxNewTokens, this.contextLengthTokens - promptTokens));
      const generation = this.model
        .generate({
          ...inputs,
          max_new_tokens: maxNewTokens,
          do_sample: request.temperature > 0,
          temperature: request.temperature > 0 ? request.temperature : 1,
          streamer,
          stopping_criteria: stoppingCriteria,
        } as Parameters<PreTrainedModel['generate']>[0])
        .then(
          () => queue.close(),
          (error: unknown) => queue.close(error),
        );
      try {
        for await (const text of queue) yield { type: 'text', text };
      } finally {
        interrupt.interrupt();
        await generation;
        request.signal?.removeEventListener('abort', onAbort);
      }
      const finishReason = request.signal?.aborted ? 'cancelled' : completionTokens >= maxNewTokens ? 'length' : 'stop';
      yield { type: 'finish', finishReason, promptTokens, completionTokens };
    } finally {
      place.leave();
    }
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
