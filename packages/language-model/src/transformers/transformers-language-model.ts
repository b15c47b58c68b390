import path from 'node:path';
import { readFile } from 'node:fs/promises';
import {
  AutoModelForCausalLM,
  AutoModelForImageTextToText,
  AutoTokenizer,
  InterruptableStoppingCriteria,
  StoppingCriteriaList,
  TextStreamer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { PathLensError, requireOnnxFiles, threadBudget, type ModelDtype } from '@pathlens/core';
import { AsyncEventQueue } from '../async-event-queue.ts';
import type { GenerationEvent, GenerationRequest, LanguageModel } from '../language-model.ts';
import { GenerationQueue } from '../queue/generation-queue.ts';
import { takeTurn } from '../queue/take-turn.ts';
import type { SlideTokens } from './slide-encoder.ts';
import {
  encodeRequestSlide,
  expandSlidePlaceholder,
  installSlideTokenHook,
  isVisionModelConfig,
  loadVisionParts,
  processVisionInputs,
  withoutImages,
  type VisionModelConfig,
  type VisionParts,
} from './vision-parts.ts';
import { decodeMessageImages, renderVisionPrompt } from './vision-prompt.ts';

/** Requests that may wait for a local model when the caller does not say (CHAT_QUEUE_SIZE). */
export const defaultQueueSize = 8;

/**
 * A causal LM with ONNX weights (`onnx/model*.onnx`), or a vision-language model in the hub's
 * image-text-to-text layout (`vision_encoder`, `embed_tokens`, `decoder_model_merged`, loaded by
 * `AutoModelForImageTextToText`: LLaVA, Idefics3/SmolVLM), run in-process by transformers.js.
 * One generation at a time per loaded model; the rest wait in its bounded FIFO `queue`.
 */
export class TransformersLanguageModel implements LanguageModel {
  readonly provider = 'local';
  readonly acceptsSlideEmbedding: boolean;
  readonly acceptsImages: boolean;
  readonly maxImagesPerRequest: number;
  readonly promptTokensPerImage: number;
  readonly slideTokenCount: number;
  readonly queue: GenerationQueue;
  /** Slide tokens of the generation now running (one at a time), read by the slide-token hook. */
  private pendingSlideTokens: SlideTokens | undefined;

  private constructor(
    readonly modelId: string,
    readonly contextLengthTokens: number,
    readonly demo: boolean,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    queueSize: number,
    private readonly vision: VisionParts | undefined,
  ) {
    this.queue = new GenerationQueue({ concurrency: 1, maxWaiting: queueSize });
    this.acceptsImages = vision !== undefined;
    this.maxImagesPerRequest = vision?.maxImagesPerRequest ?? 0;
    this.promptTokensPerImage = vision?.promptTokensPerImage ?? 0;
    this.acceptsSlideEmbedding = vision?.slideEncoder !== undefined && vision.slideTokenId !== undefined;
    this.slideTokenCount = this.acceptsSlideEmbedding ? vision!.slideEncoder!.config.slide_token_count : 0;
    if (this.acceptsSlideEmbedding) installSlideTokenHook(model, vision!.slideTokenId!, () => this.pendingSlideTokens);
  }

  /**
   * @example
   * const model = await TransformersLanguageModel.load({ modelsDir: './models', modelId:
   * 'onnx-community/Qwen2.5-0.5B-Instruct', dtype: 'q4' });
   */
  static async load(options: {
    modelsDir: string;
    modelId: string;
    /** ONNX weight variant (`onnx/<name><suffix>.onnx`); a missing file: `model_not_found`, saying how to make it. */
    dtype?: ModelDtype;
    contextLengthTokens?: number;
    demo?: boolean;
    queueSize?: number;
  }): Promise<TransformersLanguageModel> {
    env.allowRemoteModels = false;
    env.localModelPath = options.modelsDir.endsWith('/') ? options.modelsDir : options.modelsDir + '/';
    const config = JSON.parse(
      await readFile(path.join(options.modelsDir, options.modelId, 'config.json'), 'utf8'),
    ) as VisionModelConfig & {
      max_position_embeddings?: number;
      text_config?: { max_position_embeddings?: number };
    };
    const tokenizer = await AutoTokenizer.from_pretrained(options.modelId, { local_files_only: true });
    const isVision = isVisionModelConfig(config);
    const dtype = options.dtype ?? 'fp32';
    await requireOnnxFiles({
      folder: path.join(options.modelsDir, options.modelId),
      modelId: options.modelId,
      dtype,
      baseNames: isVision ? ['vision_encoder', 'embed_tokens', 'decoder_model_merged'] : ['model'],
    });
    const modelOptions = {
      dtype,
      local_files_only: true,
      // Threads from the one budget (CPU_THREADS), never ONNX Runtime's own default (one thread here).
      session_options: { intraOpNumThreads: threadBudget().onnxIntraOpThreads, interOpNumThreads: 1 },
    };
    const model = isVision
      ? await AutoModelForImageTextToText.from_pretrained(options.modelId, modelOptions)
      : await AutoModelForCausalLM.from_pretrained(options.modelId, modelOptions);
    const vision = isVision ? await loadVisionParts(options.modelsDir, options.modelId, config) : undefined;
    const contextLengthTokens =
      options.contextLengthTokens ??
      config.max_position_embeddings ??
      config.text_config?.max_position_embeddings ??
      2048;
    return new TransformersLanguageModel(
      options.modelId,
      contextLengthTokens,
      options.demo ?? false,
      tokenizer,
      model,
      options.queueSize ?? defaultQueueSize,
      vision,
    );
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
      const inputs = await this.prepareInputs(request);
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
          ...(request.minNewTokens ? { min_new_tokens: Math.min(request.minNewTokens, maxNewTokens) } : {}),
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
        this.pendingSlideTokens = undefined;
      }
      const finishReason = request.signal?.aborted ? 'cancelled' : completionTokens >= maxNewTokens ? 'length' : 'stop';
      yield { type: 'finish', finishReason, promptTokens, completionTokens };
    } finally {
      place.leave();
    }
  }

  /** Token ids (and pixel values, for a vision model) of the prompt; sets the slide tokens the hook merges. */
  private async prepareInputs(request: GenerationRequest): Promise<{ input_ids: Tensor; attention_mask: Tensor }> {
    if (!this.vision) {
      return this.tokenizer.apply_chat_template(withoutImages(request.messages), {
        add_generation_prompt: true,
        return_dict: true,
      }) as {
        input_ids: Tensor;
        attention_mask: Tensor;
      };
    }
    const prompt = renderVisionPrompt(request.messages, this.vision.imageToken);
    if (prompt.images.length > this.maxImagesPerRequest) {
      throw new PathLensError(
        'invalid_request',
        `${this.modelId} takes at most ${this.maxImagesPerRequest} images per request; ${prompt.images.length} were sent.`,
      );
    }
    const slideTokens = await encodeRequestSlide(this.vision, request.slideEmbedding);
    const messages = slideTokens
      ? expandSlidePlaceholder(prompt.messages, request.slideEmbedding!.placeholder, slideTokens.tokenCount)
      : prompt.messages;
    const text = this.tokenizer.apply_chat_template(messages, {
      add_generation_prompt: true,
      tokenize: false,
    }) as string;
    const inputs = await processVisionInputs(this.vision.processor, text, await decodeMessageImages(prompt.images));
    this.pendingSlideTokens = slideTokens;
    return inputs as { input_ids: Tensor; attention_mask: Tensor };
  }

  async dispose(): Promise<void> {
    await this.vision?.slideEncoder?.dispose();
    await this.model.dispose();
  }
}
