import { tinyImageTextEncoderId } from '../../model-ids.ts';
import { countBigramLanguageModel, type BigramLanguageModel } from '../chat/bigram-language-model.ts';
import { tinyChatGenerationConfig, type TinyChatTokenIds } from '../chat/chat-configs.ts';
import { fallbackEndOfTurnToken, type ChatTokenizerFiles } from '../chat/chat-tokenizer-files.ts';
import { configuredTokenId, jsonFileText, loadTokenizer, type GeneratedModelFiles } from '../generated-model-files.ts';
import { tokenizerVocabularySize } from '../tokenizer-source.ts';
import { tinyClipEmbeddingDimension } from '../clip/clip-weights.ts';
import { buildSlideEncoderOnnx } from './slide-encoder-graph.ts';
import { slideAnswers, visionAnswerCorpus, visionAnswers } from './vision-answer-corpus.ts';
import {
  imageToken,
  slideToken,
  tinyVisionChatConfig,
  tinyVisionPreprocessorConfig,
  tinyVisionProcessorConfig,
} from './vision-chat-configs.ts';
import type { SlideEncoderConfig } from '@pathlens/language-model';
import { tinySlideMaxPatches, tinySlideTokenCount, visionChatLayout } from './vision-chat-layout.ts';
import { buildVisionEncoderOnnx } from './vision-encoder-graph.ts';
import { buildEmbedTokensOnnx, buildVisionDecoderOnnx, type DesignedOpenings } from './vision-decoder-graph.ts';

/** Files of `pathlens/tiny-vlm`: the Hugging Face LLaVA layout transformers.js loads, plus the slide encoder. */
export const tinyVisionChatFileNames = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'processor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/vision_encoder.onnx',
  'onnx/embed_tokens.onnx',
  'onnx/decoder_model_merged.onnx',
  'onnx/slide_encoder.onnx',
] as const;

/** The special tokens the tiny VLM's tokenizer adds to the chat tokenizer. */
export const tinyVisionAddedTokens = [imageToken, slideToken] as const;

/**
 * Builds the tiny vision-language model for the given tokenizer (which must already carry
 * `<image>` and `<slide>`): the bigram decoder of the extended corpus, a stain-reading vision
 * encoder, and a slide encoder over tiny-CLIP patch embeddings.
 */
export function buildTinyVisionChatFiles(tokenizerFiles: ChatTokenizerFiles): GeneratedModelFiles {
  const { tokenizer, tokenizerJson, tokenizerConfig } = loadTokenizer(
    tokenizerFiles.tokenizerJsonText,
    tokenizerFiles.tokenizerConfigText,
  );
  const vocabularySize = tokenizerVocabularySize(tokenizerJson);
  const eosTokenId = configuredTokenId(tokenizer, tokenizerConfig, 'eos_token');
  const imageTokenId = tokenizer.token_to_id(imageToken);
  const slideTokenId = tokenizer.token_to_id(slideToken);
  if (eosTokenId === undefined || imageTokenId === undefined || slideTokenId === undefined) {
    throw new Error('The tiny VLM tokenizer needs an eos_token, <image> and <slide>');
  }
  const endOfTurnId = tokenizer.token_to_id(fallbackEndOfTurnToken);
  const tokenIds: TinyChatTokenIds & { imageTokenId: number; slideTokenId: number } = {
    vocabularySize,
    bosTokenId: configuredTokenId(tokenizer, tokenizerConfig, 'bos_token') ?? null,
    eosTokenIds: endOfTurnId === undefined || endOfTurnId === eosTokenId ? [eosTokenId] : [eosTokenId, endOfTurnId],
    padTokenId: configuredTokenId(tokenizer, tokenizerConfig, 'pad_token') ?? eosTokenId,
    imageTokenId,
    slideTokenId,
  };

  const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids;
  const bigram = countBigramLanguageModel(
    visionAnswerCorpus.map((answer) => [...encode(answer), eosTokenId]),
    vocabularySize,
  );
  const layout = visionChatLayout(bigram.stateCount);
  const openings: DesignedOpenings = {
    image: {
      hematoxylinColumn: openingColumn(bigram, encode(visionAnswers.hematoxylin)),
      eosinColumn: openingColumn(bigram, encode(visionAnswers.eosin)),
    },
    slide: {
      hematoxylinColumn: openingColumn(bigram, encode(slideAnswers.hematoxylin)),
      eosinColumn: openingColumn(bigram, encode(slideAnswers.eosin)),
    },
  };
  const columns = [
    openings.image.hematoxylinColumn,
    openings.image.eosinColumn,
    openings.slide.hematoxylinColumn,
    openings.slide.eosinColumn,
  ];
  if (new Set(columns).size !== columns.length)
    throw new Error('The designed vision answers must open with four different tokens');

  const slideEncoder: SlideEncoderConfig = {
    file: 'onnx/slide_encoder.onnx',
    patch_encoder_id: tinyImageTextEncoderId,
    patch_embedding_dimension: tinyClipEmbeddingDimension,
    max_patches: tinySlideMaxPatches,
    slide_token_count: tinySlideTokenCount,
    uses_coordinates: false,
    placeholder: slideToken,
  };
  const files = new Map<string, Uint8Array | string>([
    ['config.json', jsonFileText(tinyVisionChatConfig(layout, tokenIds, slideEncoder))],
    ['generation_config.json', jsonFileText(tinyChatGenerationConfig(tokenIds))],
    ['preprocessor_config.json', jsonFileText(tinyVisionPreprocessorConfig())],
    ['processor_config.json', jsonFileText(tinyVisionProcessorConfig())],
    ['tokenizer.json', tokenizerFiles.tokenizerJsonText],
    ['tokenizer_config.json', tokenizerFiles.tokenizerConfigText],
    ['onnx/vision_encoder.onnx', buildVisionEncoderOnnx(layout)],
    ['onnx/embed_tokens.onnx', buildEmbedTokensOnnx(bigram, vocabularySize, layout)],
    ['onnx/decoder_model_merged.onnx', buildVisionDecoderOnnx(bigram, vocabularySize, layout, openings)],
    ['onnx/slide_encoder.onnx', buildSlideEncoderOnnx(layout)],
  ]);
  return { files, tokenizerSource: tokenizerFiles.source };
}

/** Logit column of an answer's first token. */
function openingColumn(bigram: BigramLanguageModel, answerIds: number[]): number {
  return bigram.predictedTokenIds.indexOf(answerIds[0]!);
}
