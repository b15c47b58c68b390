import {
  configuredTokenId,
  jsonFileText,
  loadTokenizer,
  specialTokenIds,
  type GeneratedModelFiles,
} from '../generated-model-files.ts';
import { tokenizerVocabularySize } from '../tokenizer-source.ts';
import { tinyClipConfig, tinyClipPreprocessorConfig } from './clip-configs.ts';
import { buildTinyClipOnnxFiles } from './clip-onnx-files.ts';
import type { ClipTokenizerFiles } from './clip-tokenizer-files.ts';
import { createTinyClipWeights } from './clip-weights.ts';
import { findStainTokenClasses, type StainWordTokens } from './stain-token-classes.ts';

/** Files of `pathlens/tiny-clip`, in the Hugging Face layout transformers.js loads. */
export const tinyClipFileNames = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/vision_model.onnx',
  'onnx/text_model.onnx',
  'onnx/model.onnx',
] as const;

/**
 * Builds the tiny CLIP for the given tokenizer: finds which token ids spell stain words,
 * then writes the designed vision and text towers (see `stain-classes.ts`).
 */
export function buildTinyClipFiles(
  tokenizerFiles: ClipTokenizerFiles,
): GeneratedModelFiles & { stainWords: StainWordTokens[] } {
  const { tokenizer, tokenizerJson, tokenizerConfig } = loadTokenizer(
    tokenizerFiles.tokenizerJsonText,
    tokenizerFiles.tokenizerConfigText,
  );
  const vocabularySize = tokenizerVocabularySize(tokenizerJson);
  const stainTokens = findStainTokenClasses(tokenizer, specialTokenIds(tokenizerJson));
  const tokenClass = new BigInt64Array(vocabularySize);
  for (const [tokenId, classIndex] of stainTokens.classByTokenId) tokenClass[tokenId] = BigInt(classIndex + 1);

  const weights = createTinyClipWeights();
  const endTokenId = configuredTokenId(tokenizer, tokenizerConfig, 'eos_token') ?? vocabularySize - 1;
  const startTokenId = configuredTokenId(tokenizer, tokenizerConfig, 'bos_token') ?? endTokenId;

  const files = new Map<string, Uint8Array | string>([
    [
      'config.json',
      jsonFileText(
        tinyClipConfig({ embeddingDimension: weights.embeddingDimension, vocabularySize, startTokenId, endTokenId }),
      ),
    ],
    ['preprocessor_config.json', jsonFileText(tinyClipPreprocessorConfig())],
    ['tokenizer.json', tokenizerFiles.tokenizerJsonText],
    ['tokenizer_config.json', tokenizerFiles.tokenizerConfigText],
    ...buildTinyClipOnnxFiles(weights, tokenClass),
  ]);
  return { files, tokenizerSource: tokenizerFiles.source, stainWords: stainTokens.words };
}
