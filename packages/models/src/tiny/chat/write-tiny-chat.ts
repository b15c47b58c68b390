import { configuredTokenId, jsonFileText, loadTokenizer, type GeneratedModelFiles } from '../generated-model-files.ts';
import { tokenizerVocabularySize } from '../tokenizer-source.ts';
import { answerCorpus } from './answer-corpus.ts';
import { countBigramLanguageModel } from './bigram-language-model.ts';
import { tinyChatConfig, tinyChatGenerationConfig, type TinyChatTokenIds } from './chat-configs.ts';
import { buildTinyChatOnnx } from './chat-graph.ts';
import { fallbackEndOfTurnToken, type ChatTokenizerFiles } from './chat-tokenizer-files.ts';

/** Files of `pathlens/tiny-chat`, in the Hugging Face layout transformers.js loads. */
export const tinyChatFileNames = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/model.onnx',
] as const;

/**
 * Builds the tiny chat model for the given tokenizer: tokenises the answer corpus, counts
 * bigrams, and writes them into a Qwen2-layout ONNX decoder.
 */
export function buildTinyChatFiles(tokenizerFiles: ChatTokenizerFiles): GeneratedModelFiles & { stateCount: number } {
  const { tokenizer, tokenizerJson, tokenizerConfig } = loadTokenizer(
    tokenizerFiles.tokenizerJsonText,
    tokenizerFiles.tokenizerConfigText,
  );
  const vocabularySize = tokenizerVocabularySize(tokenizerJson);
  const eosTokenId = configuredTokenId(tokenizer, tokenizerConfig, 'eos_token');
  if (eosTokenId === undefined) throw new Error('The chat tokenizer has no eos_token');
  const endOfTurnId = tokenizer.token_to_id(fallbackEndOfTurnToken);
  const tokenIds: TinyChatTokenIds = {
    vocabularySize,
    bosTokenId: configuredTokenId(tokenizer, tokenizerConfig, 'bos_token') ?? null,
    eosTokenIds: endOfTurnId === undefined || endOfTurnId === eosTokenId ? [eosTokenId] : [eosTokenId, endOfTurnId],
    padTokenId: configuredTokenId(tokenizer, tokenizerConfig, 'pad_token') ?? eosTokenId,
  };

  const sequences = answerCorpus.map((answer) => [
    ...tokenizer.encode(answer, { add_special_tokens: false }).ids,
    eosTokenId,
  ]);
  const bigram = countBigramLanguageModel(sequences, vocabularySize);

  const files = new Map<string, Uint8Array | string>([
    ['config.json', jsonFileText(tinyChatConfig(bigram.stateCount, tokenIds))],
    ['generation_config.json', jsonFileText(tinyChatGenerationConfig(tokenIds))],
    ['tokenizer.json', tokenizerFiles.tokenizerJsonText],
    ['tokenizer_config.json', tokenizerFiles.tokenizerConfigText],
    ['onnx/model.onnx', buildTinyChatOnnx(bigram, vocabularySize)],
  ]);
  return { files, tokenizerSource: tokenizerFiles.source, stateCount: bigram.stateCount };
}
