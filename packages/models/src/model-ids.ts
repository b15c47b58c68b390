/** Real default image–text encoder: OpenAI CLIP ViT-B/32 in transformers.js ONNX form (512-d). */
export const defaultImageTextEncoderId = 'Xenova/clip-vit-base-patch32';

/** Real default chat model: Qwen2.5 0.5B Instruct, 4-bit ONNX. */
export const defaultChatModelId = 'onnx-community/Qwen2.5-0.5B-Instruct';

/** Generated demo encoder (512-d, designed colour signal). Never for diagnosis. */
export const tinyImageTextEncoderId = 'pathlens/tiny-clip';

/** Generated demo chat model (bigram text with citations). Never for diagnosis. */
export const tinyChatModelId = 'pathlens/tiny-chat';

/** Generated demo vision-language model (LLaVA layout; picture stain and slide tokens steer the answer). Never for
 * diagnosis.
 */
export const tinyVisionChatModelId = 'pathlens/tiny-vlm';
