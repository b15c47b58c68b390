import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AutoProcessor, type PreTrainedModel, RawImage, type Processor, type Tensor } from '@huggingface/transformers';
import { PathLensError } from '@pathlens/core';
import type { ChatMessage, SlideEmbeddingInput } from '../language-model.ts';
import { SlideEncoder, type SlideEncoderConfig, type SlideTokens } from './slide-encoder.ts';

/** Pictures one request may carry to a local vision model unless its folder says otherwise. */
export const defaultMaxImagesPerRequest = 8;

/** What a vision-language model folder adds to a text model: its processor, image token and optional slide encoder. */
export interface VisionParts {
  processor: Processor;
  imageToken: string;
  maxImagesPerRequest: number;
  /** Prompt tokens one picture takes at most: see `measurePromptTokensPerImage`. */
  promptTokensPerImage: number;
  slideEncoder: SlideEncoder | undefined;
  slideTokenId: number | undefined;
}

export interface VisionModelConfig {
  vision_config?: unknown;
  architectures?: string[];
  pathlens?: { slide_encoder?: SlideEncoderConfig; slide_token_id?: number; max_images_per_request?: number };
}

/** True for a folder whose `config.json` describes an image-text-to-text model (LLaVA, Idefics3/SmolVLM, …). */
export function isVisionModelConfig(config: VisionModelConfig): boolean {
  return (
    config.vision_config !== undefined &&
    (config.architectures ?? []).some((name) => name.endsWith('ForConditionalGeneration'))
  );
}

export async function loadVisionParts(
  modelsDir: string,
  modelId: string,
  config: VisionModelConfig,
): Promise<VisionParts> {
  const folder = path.join(modelsDir, modelId);
  const processor = await AutoProcessor.from_pretrained(modelId, { local_files_only: true });
  const processorConfig = JSON.parse(
    await readFile(path.join(folder, 'processor_config.json'), 'utf8').catch(() => '{}'),
  ) as { image_token?: string };
  const slideEncoderConfig = config.pathlens?.slide_encoder;
  const imageToken = processorConfig.image_token ?? '<image>';
  return {
    processor,
    imageToken,
    maxImagesPerRequest: config.pathlens?.max_images_per_request ?? defaultMaxImagesPerRequest,
    promptTokensPerImage: await measurePromptTokensPerImage(processor, imageToken),
    slideEncoder: slideEncoderConfig ? await SlideEncoder.load(folder, slideEncoderConfig) : undefined,
    slideTokenId: config.pathlens?.slide_token_id,
  };
}

/** Side of the blank picture the measurement uses: larger than any processor keeps, so tiling processors split most. */
const probeSidePx = 2048;

/**
 * The prompt tokens one picture adds, measured once by running the model's own processor on a
 * blank picture (LLaVA: patches² + extra tokens; Idefics3/SmolVLM: one block of image tokens per
 * tile), so the assistant can charge pictures to the context budget whatever the model family.
 */
export async function measurePromptTokensPerImage(processor: Processor, imageToken: string): Promise<number> {
  const blank = new RawImage(new Uint8ClampedArray(probeSidePx * probeSidePx * 3), probeSidePx, probeSidePx, 3);
  // as `renderVisionPrompt` writes a picture: its image token and a line break (tokenizers may add a space token)
  const withPicture = await processVisionInputs(processor, `${imageToken}\n`, [blank]);
  const withoutPicture = await processVisionInputs(processor, '', []);
  return withPicture.input_ids!.dims.at(-1)! - withoutPicture.input_ids!.dims.at(-1)!;
}

/**
 * Puts `count` copies of the slide placeholder where the first user message has it (or before
 * its text), so the slide tokens land at those positions.
 */
export function expandSlidePlaceholder<Message extends { role: string; content: string }>(
  messages: Message[],
  placeholder: string,
  count: number,
): Message[] {
  const firstUser = messages.findIndex((message) => message.role === 'user');
  if (firstUser < 0) return messages;
  return messages.map((message, index) => {
    if (index !== firstUser) return message;
    const expanded = placeholder.repeat(count);
    const content = message.content.includes(placeholder)
      ? message.content.replace(placeholder, expanded)
      : `${expanded}\n${message.content}`;
    return { ...message, content };
  });
}

/**
 * The processor's inputs for the prompt text and pictures. `LlavaProcessor` expands only the
 * first image token of a text, so for LLaVA every image token is expanded here, the same way
 * (patches per side² + additional tokens); other families' processors take several pictures.
 */
export async function processVisionInputs(
  processor: Processor,
  text: string,
  images: RawImage[],
): Promise<Record<string, Tensor>> {
  if (images.length === 0) return processor.tokenizer!(text) as Record<string, Tensor>;
  if (processor.constructor.name !== 'LlavaProcessor') return (await processor(text, images)) as Record<string, Tensor>;
  const imageInputs = (await processor.image_processor!(images)) as Record<string, Tensor>;
  const [heightPx, widthPx] = imageInputs.pixel_values!.dims.slice(-2) as [number, number];
  const config = processor.config as { image_token: string; patch_size: number; num_additional_image_tokens?: number };
  const tokensPerImage =
    Math.floor(heightPx / config.patch_size) * Math.floor(widthPx / config.patch_size) +
    (config.num_additional_image_tokens ?? 0);
  const expanded = text.replaceAll(config.image_token, config.image_token.repeat(tokensPerImage));
  return { ...imageInputs, ...(processor.tokenizer!(expanded) as Record<string, Tensor>) };
}

/**
 * Slide tokens reach the decoder through the model's own generation loop: the prompt step's
 * token embeddings (`encode_text`, which LLaVA-family models call before merging pictures) get
 * the slide tokens written at the slide token's positions. Later steps embed one new token and
 * are left alone. `pending` is read per call, so one hook serves every request.
 */
export function installSlideTokenHook(
  model: PreTrainedModel,
  slideTokenId: number,
  pending: () => SlideTokens | undefined,
): void {
  const withEncoder = model as unknown as { encode_text: (inputs: { input_ids: Tensor }) => Promise<Tensor> };
  const encodeText = withEncoder.encode_text.bind(model);
  withEncoder.encode_text = async (inputs) => {
    const embeddings = await encodeText(inputs);
    const tokens = pending();
    if (!tokens || inputs.input_ids.dims[1]! <= 1) return embeddings;
    const ids = inputs.input_ids.data as BigInt64Array;
    const positions = [...ids.keys()].filter((index) => ids[index] === BigInt(slideTokenId));
    if (positions.length !== tokens.tokenCount || embeddings.dims.at(-1) !== tokens.hiddenSize) {
      throw new PathLensError(
        'internal_error',
        `Slide tokens do not fit the prompt: ${positions.length} placeholders for ${tokens.tokenCount} tokens.`,
      );
    }
    const data = embeddings.data as Float32Array;
    positions.forEach((position, index) =>
      data.set(
        tokens.values.subarray(index * tokens.hiddenSize, (index + 1) * tokens.hiddenSize),
        position * tokens.hiddenSize,
      ),
    );
    return embeddings;
  };
}

/** Slide tokens for a request, when the model has a slide encoder and the request a slide. */
export async function encodeRequestSlide(
  parts: VisionParts | undefined,
  slide: SlideEmbeddingInput | undefined,
): Promise<SlideTokens | undefined> {
  if (!parts?.slideEncoder || parts.slideTokenId === undefined || !slide) return undefined;
  return parts.slideEncoder.encode(slide);
}

/** Messages without pictures, for models that cannot see them. */
export function withoutImages(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.map(({ role, content }) => ({ role, content }));
}
